import cors from '@fastify/cors';
import { createApp, createServiceClient, remoteTokenVerifier, type App } from '@questline/platform';
import type { Config } from './config.js';
import { installEdgeLimits } from './routes/edge-limits.js';
import { installSecurityHeaders } from './routes/security-headers.js';
import { proxyRoutes } from './routes/proxy.routes.js';
import { docsRoutes } from './routes/docs.routes.js';

export async function buildApp(config: Config): Promise<App> {
  const peers = (['auth', 'catalog', 'progress'] as const).map((name) => ({
    name,
    client: createServiceClient({
      service: name,
      baseUrl: { auth: config.AUTH_URL, catalog: config.CATALOG_URL, progress: config.PROGRESS_URL }[name],
      timeoutMs: 1000,
    }),
  }));
  const { app, metrics } = await createApp({
    service: 'gateway',
    logLevel: config.LOG_LEVEL,
    internalOpenApi: false,
    // The gateway is ready when it can reach the services it routes to.
    readiness: peers.map(({ name, client }) => ({
      name,
      check: async () => {
        const res = await client.request('GET', '/healthz');
        if (res.status !== 200) throw new Error(`healthz ${res.status}`);
      },
    })),
  });

  await installSecurityHeaders(app, {
    contentSecurityPolicy: {
      useDefaults: false,
      // Tight enough for a JSON API, loose enough for Swagger UI (its own scripts, inline styles).
      // No upgrade-insecure-requests: plain-HTTP dev set-ups would lose /docs' assets.
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
  });
  const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  await app.register(cors, {
    origin: origins.length ? origins : false,
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'if-none-match'],
    exposedHeaders: ['x-request-id', 'retry-after', 'etag', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
    // A bare OPTIONS would otherwise get a text/plain 400, outside the api.md error shape.
    strictPreflight: false,
  });
  const limits = await installEdgeLimits(app, config);

  // Auth's JWKS, cached; an unknown kid refetches it at most every 30 s (garbage kids cannot flood auth).
  const verify = remoteTokenVerifier(`${config.AUTH_URL}/.well-known/jwks.json`);
  await proxyRoutes(app, { config, verify, limits, metrics });
  await docsRoutes(app, config);
  return app;
}
