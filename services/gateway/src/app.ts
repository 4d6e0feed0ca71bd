import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { AppError, createApp, createServiceClient, remoteTokenVerifier, type App } from '@questline/platform';
import type { Config } from './config.js';
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
  const { app } = await createApp({
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

  await app.register(helmet, {
    // Swagger UI needs inline styles and scripts of its own.
    contentSecurityPolicy: false,
  });
  const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  await app.register(cors, { origin: origins.length ? origins : false, credentials: false, exposedHeaders: ['x-request-id', 'retry-after'] });
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: 60_000,
    // Per-replica counters: each gateway replica allows RATE_LIMIT_MAX per IP (documented).
    errorResponseBuilder: (_req, ctx) =>
      new AppError(429, 'RATE_LIMITED', `rate limit exceeded, retry in ${Math.ceil(ctx.ttl / 1000)} s`, undefined, {
        'retry-after': String(Math.ceil(ctx.ttl / 1000)),
      }),
    allowList: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url),
  });

  await proxyRoutes(app, config, remoteTokenVerifier(`${config.AUTH_URL}/.well-known/jwks.json`));
  await docsRoutes(app, config);
  return app;
}
