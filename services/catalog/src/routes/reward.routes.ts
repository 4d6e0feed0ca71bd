import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, toPage, type App, type AuthGuard, scopedSecurity } from '@questline/platform';
import type { Reward as RewardModel } from '../domain/reward.js';
import { createReward, editReward, removeReward } from '../use-cases/reward-admin.use-case.js';
import { getReward, listRewardsPage } from '../use-cases/catalog-reads.use-case.js';
import type { CatalogContext } from '../context.js';
import { actorOfRequest, decodeNameIdCursor, notModified, orFail, sendEmpty } from './http.js';
import { IdParams, NotModified, Reward, RewardBody, page, pageQuery } from './schemas.js';

const RewardEnvelope = Type.Object({ reward: Reward });

export function registerRewardRoutes(app: App, deps: { ctx: CatalogContext; catalogWrite: AuthGuard }) {
  const { ctx } = deps;
  const onRequest = deps.catalogWrite;

  app.get(
    '/api/v1/rewards',
    {
      schema: {
        tags: ['catalog'],
        summary: 'List rewards',
        description: 'Ordered by name, then id.',
        querystring: pageQuery({}),
        response: { 200: page(Reward), 304: NotModified, ...errorResponses('VALIDATION_FAILED') },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const rows = await listRewardsPage(ctx, { after: decodeNameIdCursor(cursor), limit });
      const body = toPage(rows, limit, (r: RewardModel) => [r.name, r.id]);
      if (notModified(request, reply, body)) return reply;
      return body;
    },
  );

  app.get(
    '/api/v1/rewards/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Get a reward',
        params: IdParams,
        response: { 200: RewardEnvelope, 304: NotModified, ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const reward = await getReward(ctx, request.params.id);
      if (!reward) throw new AppError('NOT_FOUND', `reward ${request.params.id} not found`);
      const body = { reward };
      if (notModified(request, reply, body)) return reply;
      return body;
    },
  );

  app.post(
    '/api/v1/admin/rewards',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Create a reward',
        ...scopedSecurity('catalog:write', 'Each currency at most once; every currency must exist (`400 UNKNOWN_CURRENCY`).'),
        body: RewardBody,
        response: { 201: RewardEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNKNOWN_CURRENCY', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request, reply) => {
      const reward = orFail(await createReward(ctx, actorOfRequest(request), request.body));
      return reply.code(201).send({ reward });
    },
  );

  app.put(
    '/api/v1/admin/rewards/:id',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Replace a reward',
        ...scopedSecurity('catalog:write', 'Quests paying it pay the new definition from now on (already paid rewards are untouched).'),
        params: IdParams,
        body: RewardBody,
        response: { 200: RewardEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNKNOWN_CURRENCY', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND') },
      },
    },
    async (request) => ({ reward: orFail(await editReward(ctx, actorOfRequest(request), request.params.id, request.body)) }),
  );

  app.delete(
    '/api/v1/admin/rewards/:id',
    {
      onRequest,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Delete a reward',
        ...scopedSecurity('catalog:write', '`409 REWARD_IN_USE` while any quest (draft, published or archived) pays it.'),
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'REWARD_IN_USE') },
      },
    },
    async (request, reply) => {
      orFail(await removeReward(ctx, actorOfRequest(request), request.params.id));
      return sendEmpty(reply, 204);
    },
  );
}
