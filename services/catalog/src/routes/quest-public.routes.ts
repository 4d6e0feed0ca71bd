import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, errorResponses, optionalCallerOf, toPage, type App, type TokenVerifier } from '@questline/platform';
import type { CatalogContext } from '../context.js';
import type { Quest as QuestModel } from '../domain/quest.js';
import { findQuestForCaller, listQuestsPage } from '../use-cases/catalog-reads.use-case.js';
import { decodeKeyCursor, notModified } from './http.js';
import { NotModified, Quest, QuestKeyParams, QuestListFilters, page, pageQuery } from './schemas.js';

/** Admins may look at drafts through the public route; anyone else sees published quests only. */
async function callerIsAdmin(request: FastifyRequest, verify: TokenVerifier): Promise<boolean> {
  return (await optionalCallerOf(request, verify))?.role === 'admin';
}

export function registerPublicQuestRoutes(app: App, deps: { ctx: CatalogContext; verify: TokenVerifier }) {
  const { ctx, verify } = deps;

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
      const rows = await listQuestsPage(ctx, { status: 'published', tag, event, afterKey: decodeKeyCursor(cursor), limit });
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
      const lookup = await findQuestForCaller(ctx, key, () => callerIsAdmin(request, verify));
      if (lookup.found === 'none') throw new AppError('NOT_FOUND', `quest ${key} not found`);
      const body = { quest: lookup.quest };
      if (lookup.found === 'published') return notModified(request, reply, body) ? reply : body;
      // Unpublished definitions are for admins only: never let a shared cache keep them.
      void reply.header('cache-control', 'private, no-store');
      return body;
    },
  );
}
