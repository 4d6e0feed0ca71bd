import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, toPage, type App, type AuthGuard, scopedSecurity } from '@questline/platform';
import { QuestStatus } from '@questline/contracts';
import { isQuestKey, type Quest as QuestModel } from '../domain/quest.js';
import { changeQuestStatus, createQuest, removeQuest, updateQuest } from '../use-cases/quest-admin.use-case.js';
import { listQuestsPage } from '../use-cases/catalog-reads.use-case.js';
import type { CatalogContext } from '../context.js';
import { actorOfRequest, decodeKeyCursor, orFail, sendEmpty } from './http.js';
import { CreateQuestBody, Quest, QuestKeyParams, QuestListFilters, UpdateQuestBody, page, pageQuery } from './schemas.js';

const QuestEnvelope = Type.Object({ quest: Quest });

/** A malformed key cannot name a quest: answer like any unknown key. */
function knownKeyShape(key: string): string {
  if (!isQuestKey(key)) throw new AppError('NOT_FOUND', `quest ${key} not found`);
  return key;
}

export function registerAdminQuestRoutes(app: App, deps: { ctx: CatalogContext; catalogWrite: AuthGuard }) {
  const { ctx } = deps;
  // onRequest: the token is checked before the body is even parsed, so anonymous callers learn nothing.
  const onRequest = deps.catalogWrite;

  app.get(
    '/api/v1/admin/quests',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'List quests of any status',
        ...scopedSecurity('catalog:write'),
        querystring: pageQuery({ status: Type.Optional(QuestStatus), ...QuestListFilters }),
        response: { 200: page(Quest), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor, status, tag, event } = request.query;
      const rows = await listQuestsPage(ctx, { status, tag, event, afterKey: decodeKeyCursor(cursor), limit });
      return toPage(rows, limit, (q: QuestModel) => q.key);
    },
  );

  app.post(
    '/api/v1/admin/quests',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Create a quest (as a draft, version 1)',
        ...scopedSecurity('catalog:write'),
        body: CreateQuestBody,
        response: { 201: QuestEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNKNOWN_REWARD', 'UNKNOWN_PREREQUISITE', 'PREREQUISITE_CYCLE', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'QUEST_KEY_TAKEN', 'PREREQUISITE_NOT_PUBLISHED') },
      },
    },
    async (request, reply) => {
      const quest = orFail(await createQuest(ctx, actorOfRequest(request), request.body));
      return reply.code(201).send({ quest });
    },
  );

  app.put(
    '/api/v1/admin/quests/:key',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Replace a quest definition',
        ...scopedSecurity('catalog:write', 'A full replacement: absent optional fields take their defaults. A real change to a published or archived quest makes a new `version`; drafts stay at version 1; an identical definition changes nothing.'),
        params: QuestKeyParams,
        body: UpdateQuestBody,
        response: { 200: QuestEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNKNOWN_REWARD', 'UNKNOWN_PREREQUISITE', 'PREREQUISITE_CYCLE', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'PREREQUISITE_NOT_PUBLISHED') },
      },
    },
    async (request) => {
      const key = knownKeyShape(request.params.key);
      return { quest: orFail(await updateQuest(ctx, actorOfRequest(request), key, request.body)) };
    },
  );

  for (const action of ['publish', 'archive'] as const) {
    app.post(
      `/api/v1/admin/quests/:key/${action}`,
      {
        onRequest,
        schema: {
          tags: ['catalog-admin'],
          summary: action === 'publish' ? 'Publish a quest (also re-publishes an archived one)' : 'Archive a quest',
          ...scopedSecurity('catalog:write', 'Idempotent: repeating it returns the quest unchanged.'),
          params: QuestKeyParams,
          // 409 PREREQUISITE_NOT_PUBLISHED: publishing ahead of a draft prerequisite.
          response: { 200: QuestEnvelope, ...(action === 'publish' ? errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'PREREQUISITE_NOT_PUBLISHED') : errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND')) },
        },
      },
      async (request) => {
        const key = knownKeyShape(request.params.key);
        return { quest: orFail(await changeQuestStatus(ctx, actorOfRequest(request), key, action)) };
      },
    );
  }

  app.delete(
    '/api/v1/admin/quests/:key',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Delete a draft quest',
        ...scopedSecurity('catalog:write', '`409 QUEST_NOT_DRAFT` for published/archived quests; `409 QUEST_IN_USE` while another quest lists it as a prerequisite.'),
        params: QuestKeyParams,
        response: { 204: Type.Null(), ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'QUEST_NOT_DRAFT', 'QUEST_IN_USE') },
      },
    },
    async (request, reply) => {
      const key = knownKeyShape(request.params.key);
      orFail(await removeQuest(ctx, actorOfRequest(request), key));
      return sendEmpty(reply, 204);
    },
  );
}
