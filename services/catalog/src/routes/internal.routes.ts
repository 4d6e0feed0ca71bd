import { PublishedQuestsResponse } from '@questline/contracts';
import { errorResponses, requireInternal, type App } from '@questline/platform';
import type { CatalogContext } from '../context.js';
import { publishedFeed } from '../use-cases/catalog-reads.use-case.js';
import { sendEmpty } from './http.js';
import { NotModified } from './schemas.js';

export function registerInternalRoutes(app: App, deps: { ctx: CatalogContext; internalToken: string }) {
  app.get(
    '/internal/quests',
    {
      preValidation: requireInternal(deps.internalToken),
      schema: {
        hide: true,
        response: { 200: PublishedQuestsResponse, 304: NotModified, ...errorResponses('UNAUTHENTICATED') },
      },
    },
    async (request, reply) => {
      const feed = await publishedFeed(deps.ctx, request.headers['if-none-match']);
      reply.header('etag', feed.etag).header('cache-control', 'no-cache');
      return feed.changed ? feed.body : sendEmpty(reply, 304);
    },
  );
}
