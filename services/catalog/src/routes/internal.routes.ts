import { PublishedQuestsResponse } from '@questline/contracts';
import { errorResponses, requireInternal, type App } from '@questline/platform';
import type { Kysely } from 'kysely';
import { listPublishedWithRewards, listRetired } from '../db/published.repository.js';
import { currentRevision } from '../db/revision.repository.js';
import type { CatalogDatabase } from '../db/schema.js';
import { etagMatches } from '../domain/etag.js';
import { sendEmpty } from './http.js';
import { NotModified } from './schemas.js';

export function registerInternalRoutes(app: App, deps: { db: Kysely<CatalogDatabase>; internalToken: string }) {
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
      // Revision first, quests second: a change committed in between makes the quests newer than
      // the tag, which only costs the poller one extra fetch; the reverse order could hide a change.
      const revision = String(await currentRevision(deps.db));
      const etag = `"${revision}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (etagMatches(request.headers['if-none-match'], etag)) return sendEmpty(reply, 304);
      const [quests, retired] = await Promise.all([listPublishedWithRewards(deps.db), listRetired(deps.db)]);
      return { revision, quests, retired };
    },
  );
}
