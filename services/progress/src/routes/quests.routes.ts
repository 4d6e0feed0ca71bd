import { Type } from '@sinclair/typebox';
import { AppError, callerOf, errorResponses, requireAuth, routeSerializer, sendRendered, userBanned, type App, scopedSecurity } from '@questline/platform';
import type { ProgressContext } from '../context.js';
import { claimQuest } from '../use-cases/claim-quest.use-case.js';
import { callerQuestList, userQuestViews } from '../use-cases/quest-views.use-case.js';
import { unknownAccount } from './errors.js';
import { QuestKeyParams, QuestViewList, RewardedItems, UserIdParams } from './schemas.js';

const ClaimResponse = Type.Object({
  rewarded: Type.Object({
    items: RewardedItems,
    xp: Type.Integer(),
    badge: Type.Union([Type.String(), Type.Null()]),
  }),
});

export function registerQuestRoutes(app: App, ctx: ProgressContext) {
  app.get(
    '/api/v1/me/quests',
    {
      // A key is told it cannot call a player's route (403), not that it is invalid.
      onRequest: requireAuth(ctx.verify, { keys: ctx.keys }),
      schema: {
        tags: ['Progress'],
        summary: "The caller's progress on every published quest",
        security: [{ bearerAuth: [] }],
        response: { 200: QuestViewList, ...errorResponses('UNAUTHENTICATED', 'USER_BANNED', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request, reply) => {
      // Rendered by this route's own response serializer, so a remembered body is what it would send.
      const serialize = routeSerializer(reply);
      const result = await callerQuestList(ctx, callerOf(request).id, (items) => serialize({ items }), request.id);
      if (result.kind === 'unknown-user') throw unknownAccount();
      if (result.kind === 'banned') throw userBanned();
      return sendRendered(reply, result.body);
    },
  );

  app.post(
    '/api/v1/me/quests/:key/claim',
    {
      // A key is told it cannot call a player's route (403), not that it is invalid.
      onRequest: requireAuth(ctx.verify, { keys: ctx.keys }),
      schema: {
        tags: ['Progress'],
        summary: 'Claim every unclaimed completion of a quest; repeated claims never pay twice',
        security: [{ bearerAuth: [] }],
        params: QuestKeyParams,
        response: { 200: ClaimResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'NOT_FOUND', 'NOTHING_TO_CLAIM', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      const { key } = request.params;
      const result = await claimQuest(ctx, callerOf(request).id, key, request.id);
      if (result.kind === 'unknown-user' || result.kind === 'banned') throw result.kind === 'banned' ? userBanned() : unknownAccount();
      if (result.kind === 'unknown-quest') throw new AppError('NOT_FOUND', `no quest ${key}`);
      if (result.kind === 'nothing-to-claim') throw new AppError('NOTHING_TO_CLAIM', `nothing to claim on ${key}`);
      return { rewarded: result.rewarded };
    },
  );

  app.get(
    '/api/v1/admin/users/:userId/quests',
    {
      // The stored profile (not the token) must still say admin and not banned; or a key with users:read.
      onRequest: requireAuth(ctx.verify, { role: 'admin', scope: 'users:read', keys: ctx.keys, confirm: (id, requestId) => ctx.users.get(id, requestId) }),
      schema: {
        tags: ['Progress'],
        summary: "Any user's progress on every published quest",
        ...scopedSecurity('users:read'),
        params: UserIdParams,
        response: { 200: QuestViewList, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      const result = await userQuestViews(ctx, request.params.userId, request.id);
      if (result.kind === 'unknown-user') throw new AppError('NOT_FOUND', 'no such user');
      return { items: result.items };
    },
  );
}
