import { Type } from '@sinclair/typebox';
import { UserProfileUpdate, UserProfileUpdates } from '@questline/contracts';
import { AppError, errorResponses, openEventStream, requireInternal, type App } from '@questline/platform';
import type { ProgressContext } from '../context.js';
import { UserIdParams } from './schemas.js';
import { prepareProgressFeed } from '../use-cases/live-stream.use-case.js';
import { applyProfileUpdate, applyProfileUpdates } from '../use-cases/update-profile.use-case.js';

const RefreshResponse = Type.Object({ revision: Type.String(), quests: Type.Integer() });

export function registerInternalRoutes(app: App, ctx: ProgressContext) {
  // Lets tests and operators make a catalog change visible now instead of after the next poll.
  app.post(
    '/internal/catalog/refresh',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      schema: { hide: true, response: { 200: RefreshResponse, ...errorResponses('UNAUTHENTICATED', 'UPSTREAM_UNAVAILABLE') } },
    },
    async () => {
      const snapshot = await ctx.catalog.refresh().catch(() => null);
      if (!snapshot) throw new AppError('UPSTREAM_UNAVAILABLE', 'the catalog could not be read');
      return { revision: snapshot.revision, quests: snapshot.quests.length };
    },
  );

  // Auth's outbox pushes every profile change here (ARCHITECTURE.md flow 3). An older or equal
  // version is acknowledged too (204): it is a retry or arrived out of order, and the newer one stays.
  app.post(
    '/internal/users/:userId/profile',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      schema: {
        hide: true,
        params: UserIdParams,
        body: UserProfileUpdate,
        response: { 204: Type.Null(), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      },
    },
    async (request, reply) => {
      const profile = request.body;
      if (profile.id !== request.params.userId) throw new AppError('VALIDATION_FAILED', 'body.id must equal the user id in the path', 'id');
      await applyProfileUpdate(ctx, profile);
      return reply.code(204).send(null);
    },
  );

  // Auth's outbox relay sends the profile changes of one pass together: one request, one statement.
  app.post(
    '/internal/users/profiles',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      schema: {
        hide: true,
        body: UserProfileUpdates,
        response: { 204: Type.Null(), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      },
    },
    async (request, reply) => {
      await applyProfileUpdates(ctx, request.body.profiles);
      return reply.code(204).send(null);
    },
  );

  // Progress's half of a player's live stream; the gateway joins it with auth's (GET /api/v1/me/stream).
  app.get(
    '/internal/users/:userId/stream',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      schema: {
        hide: true,
        params: UserIdParams,
        response: errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'NOT_FOUND', 'SERVICE_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE'),
      },
    },
    async (request, reply) => {
      const feed = await prepareProgressFeed(ctx, request.params.userId, request.log);
      if (feed.kind === 'unavailable') throw new AppError('SERVICE_UNAVAILABLE', 'live updates are unavailable for a moment, retry later');
      if (feed.kind === 'refused') {
        if (feed.reason === 'banned') throw new AppError('USER_BANNED', 'this account is banned');
        throw new AppError('NOT_FOUND', 'no such user');
      }
      feed.attach(openEventStream(app, request, reply));
      return reply;
    },
  );
}
