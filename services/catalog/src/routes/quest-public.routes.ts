import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, optionalCaller, toPage, type App, type TokenVerifier } from '@questline/platform';
import type { Kysely } from 'kysely';
import type { CatalogDatabase } from '../db/schema.js';
import { findQuestByKey, listQuests } from '../db/quest.repository.js';
import { isQuestKey, type Quest as QuestModel } from '../domain/quest.js';
import { decodeKeyCursor, notModified } from './http.js';
import { NotModified, Quest, QuestKeyParams, QuestListFilters, page, pageQuery } from './schemas.js';

/** Admins may look at drafts through the public route; anyone else sees published quests only. */
async function callerIsAdmin(authorization: string | undefined, verify: TokenVerifier): Promise<boolean> {
  return (await optionalCaller(verify, authorization))?.role === 'admin';
}

export function registerPublicQuestRoutes(app: App, deps: { db: Kysely<CatalogDatabase>; verify: TokenVerifier }) {
  const { db, verify } = deps;

  app.get(
    '/api/v1/quests',
    {
      schema: {
        tags: ['catalog'],
        summary: 'List published quests',
        description: 'Ordered by key. Filters: `tag` (quests carrying the tag), `event` (objective event type).',
        querystring: pageQuery(QuestListFilters),
        response: { 200: page(Quest), 304: NotModified, ...errorResponses('VALIDATION_FAILED') },
      },
    },
    async (request, reply) => {
      const { limit, cursor, tag, event } = request.query;
      const rows = await listQuests(db, { status: 'published', tag, event, afterKey: decodeKeyCursor(cursor), limit: limit + 1 });
      const body = toPage(rows, limit, (q: QuestModel) => q.key);
      if (notModified(request, reply, body)) return reply;
      return body;
    },
  );

  app.get(
    '/api/v1/quests/:key',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Get a published quest by key',
        description: 'Drafts and archived quests are 404, except for a caller presenting an admin token.',
        params: QuestKeyParams,
        response: { 200: Type.Object({ quest: Quest }), 304: NotModified, ...errorResponses('NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const quest = isQuestKey(key) ? await findQuestByKey(db, key) : undefined;
      if (quest && quest.status === 'published') {
        const body = { quest };
        if (notModified(request, reply, body)) return reply;
        return body;
      }
      if (quest && (await callerIsAdmin(request.headers.authorization, verify))) {
        // Unpublished definitions are for admins only: never let a shared cache keep them.
        void reply.header('cache-control', 'private, no-store');
        return { quest };
      }
      throw new AppError('NOT_FOUND', `quest ${key} not found`);
    },
  );
}
