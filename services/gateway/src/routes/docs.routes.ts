import swaggerUi from '@fastify/swagger-ui';
import { createServiceClient, singleFlight, type App } from '@questline/platform';
import type { Config } from '../config.js';
import { GATEWAY_DOC } from '../domain/gateway-openapi.js';
import { mergeOpenApi, type OpenApiDoc } from '../domain/openapi-merge.js';

const INFO = {
  title: 'Questline API',
  version: '1.0.0',
  description: 'Quests, progress, streaks and rewards. Every error is {"error": {"code", "message", "requestId"}}.',
};
const REFRESH_MS = 30_000;
const RETRY_MS = 2_000;

/**
 * The public OpenAPI document, assembled from each service's /internal/openapi.json (their route
 * schemas), cached and refreshed in the background; a service that is down keeps its last document.
 */
export async function docsRoutes(app: App, config: Config) {
  const sources = {
    auth: config.AUTH_URL,
    catalog: config.CATALOG_URL,
    progress: config.PROGRESS_URL,
  };
  const clients = Object.entries(sources).map(([service, baseUrl]) => ({
    service,
    client: createServiceClient({ service, baseUrl, internalToken: config.INTERNAL_TOKEN, timeoutMs: 3000 }),
  }));
  const lastDocs = new Map<string, OpenApiDoc>();
  let merged = mergeOpenApi([GATEWAY_DOC], INFO);
  let fetchedAt = 0;

  const fetchAll = async () => {
    await Promise.all(
      clients.map(async ({ service, client }) => {
        try {
          const res = await client.request<OpenApiDoc>('GET', '/internal/openapi.json');
          if (res.status === 200) lastDocs.set(service, res.body);
        } catch (err) {
          app.log.warn({ err, service }, 'could not fetch OpenAPI document; keeping the last one');
        }
      }),
    );
    // Services in a fixed order, so that the document does not depend on which answered first.
    merged = mergeOpenApi(
      [...clients.flatMap(({ service }) => (lastDocs.has(service) ? [{ service, doc: lastDocs.get(service)! }] : [])), GATEWAY_DOC],
      INFO,
    );
    fetchedAt = Date.now();
  };
  // One refresh at a time, however many requests ask for the document meanwhile.
  const refresh = singleFlight(fetchAll);
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  timer.unref();
  app.addHook('onReady', refresh);
  app.addHook('onClose', async () => clearInterval(timer));

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => {
    // A missing service's document is asked for again on demand, but at most every few seconds.
    const age = Date.now() - fetchedAt;
    if (age > REFRESH_MS || (lastDocs.size < clients.length && age > RETRY_MS)) await refresh();
    return merged;
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The UI shows the assembled public document, not the gateway's own (which has no API routes).
    transformSpecification: () => merged,
    transformSpecificationClone: false,
    // The explorer reads the same document every client reads, at its public address.
    uiConfig: { urls: [{ url: '/api/v1/openapi.json', name: 'Questline API v1' }], docExpansion: 'list' },
    theme: { title: 'Questline API' },
  });
}
