import { Type } from '@sinclair/typebox';
import { AppError, callerOf, errorResponses, requireAuth, userBanned, type App } from '@questline/platform';
import type { ProgressContext } from '../context.js';
import { claimQuest } from '../use-cases/claim-quest.js';
import { callerQuestViews, questViewsFor } from '../use-cases/quest-views.js';
import { lookupUser } from '../use-cases/ingest-batch.js';
import { requireCatalog } from '../use-cases/ingest-events.js';
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
      onRequest: requireAuth(ctx.verify),
      schema: {
        tags: ['Progress'],
        summary: "The caller's progress on every published quest",
        security: [{ bearerAuth: [] }],
        response: { 200: QuestViewList, ...errorResponses('UNAUTHENTICATED', 'USER_BANNED', 'CATALOG_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      // From progress's own data alone: the stored profile (pushed by auth), else the token's claims.
      const caller = callerOf(request);
      const catalog = requireCatalog(ctx.catalog);
      const result = await callerQuestViews(ctx.db, catalog, caller);
      if (result.kind === 'banned') throw userBanned();
      return { items: result.items };
    },
  );

  app.post(
    '/api/v1/me/quests/:key/claim',
    {
      onRequest: requireAuth(ctx.verify),
      schema: {
        tags: ['Progress'],
        summary: 'Claim every unclaimed completion of a quest; repeated claims never pay twice',
        security: [{ bearerAuth: [] }],
        params: QuestKeyParams,
        response: { 200: ClaimResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'NOT_FOUND', 'NOTHING_TO_CLAIM', 'CATALOG_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const profile = await lookupUser(ctx.users, caller.id, request.id);
      if (!profile) throw new AppError('UNAUTHENTICATED', 'this account no longer exists');
      if (profile.status === 'banned') throw userBanned();
      // Paid from the stored completions, published or not; the catalog copy is asked only when
      // there is nothing to pay and the user has no state on the key (409 or 404).
      const { key } = request.params;
      const result = await claimQuest(ctx.db, caller.id, key, (k) => requireCatalog(ctx.catalog).byKey.has(k));
      if (result.kind === 'unknown-quest') throw new AppError('NOT_FOUND', `no quest ${key}`);
      if (result.kind === 'nothing-to-claim') throw new AppError('NOTHING_TO_CLAIM', `nothing to claim on ${key}`);
      ctx.relay.nudge();
      return { rewarded: result.rewarded };
    },
  );

  app.get(
    '/api/v1/admin/users/:userId/quests',
    {
      // The stored profile (not the token) must still say admin and not banned.
      onRequest: requireAuth(ctx.verify, { role: 'admin', confirm: (id, requestId) => ctx.users.get(id, requestId) }),
      schema: {
        tags: ['Progress'],
        summary: "Any user's progress on every published quest",
        security: [{ bearerAuth: [] }],
        params: UserIdParams,
        response: { 200: QuestViewList, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'CATALOG_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      // The stored profile; only for a user progress has never heard of is auth asked (404 if unknown there too).
      const user = await lookupUser(ctx.users, request.params.userId, request.id);
      if (!user) throw new AppError('NOT_FOUND', 'no such user');
      const catalog = requireCatalog(ctx.catalog);
      return { items: await questViewsFor(ctx.db, catalog, user.id, user.timezone) };
    },
  );
}
