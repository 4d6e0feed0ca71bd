import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { sendError, type App } from '@questline/platform';

// Paths that belong to the API and operations: never answered with the web app's page.
const NOT_THE_APP = /^\/(api|internal|docs|assets|\.well-known)(\/|$)|^\/(healthz|readyz|metrics)$/;

/**
 * The web app (apps/web, built by `npm run build`) at `/`: hashed assets under /assets are cached
 * for a year; every other GET that is not an API or operations path gets index.html (no-cache), so
 * the app's client-side routes survive a reload. Without a build, `/` describes the API instead.
 */
export async function webRoutes(app: App, distDir: string) {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) {
    app.log.warn({ distDir }, 'web app not built (npm run build); serving the API only');
    app.get('/', { schema: { hide: true } }, async () => ({ name: 'Questline', api: '/api/v1', docs: '/docs', openapi: '/api/v1/openapi.json' }));
    return;
  }
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders(res, filePath) {
      const immutable = filePath.startsWith(path.join(distDir, 'assets') + path.sep);
      res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const page = (_req: unknown, reply: { header(k: string, v: string): unknown; sendFile(f: string): unknown }) => {
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  };
  app.get('/', { schema: { hide: true } }, page);
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (NOT_THE_APP.test(url)) return sendError(reply, 'NOT_FOUND', `no route for ${request.method} ${url}`);
    return page(request, reply);
  });
}
