import cors from '@fastify/cors';
import { createApp, type App } from '@questline/platform';
import type { Config } from './config.js';
import { buildGatewayContext } from './context.js';
import { installEdgeLimits } from './routes/edge-limits.js';
import { installSecurityHeaders } from './routes/security-headers.js';
import { proxyRoutes } from './routes/proxy.routes.js';
import { streamRoutes } from './routes/stream.routes.js';
import { docsRoutes } from './routes/docs.routes.js';
import { webRoutes } from './routes/web.routes.js';

export async function buildApp(config: Config): Promise<App> {
  const { app, metrics } = await createApp({
    service: 'gateway',
    logLevel: config.LOG_LEVEL,
    trustProxy: config.TRUST_PROXY,
    internalOpenApi: false,
    // No peer checks: one service being down must not take every gateway replica out of the
    // Service (and with it the routes of the healthy services). Upstream failures are answered per
    // request instead — fast 503s and circuit breakers.
    readiness: [],
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

  const ctx = buildGatewayContext(config, app, metrics);
  app.addHook('onClose', async () => ctx.close());
  // Before the proxied routes: /api/v1/me/stream is the gateway's own, not a proxied path.
  streamRoutes(app, ctx, limits, metrics);
  await proxyRoutes(app, ctx, limits);
  await docsRoutes(app, config);
  await webRoutes(app, config.WEB_DIST_DIR);
  return app;
}
