import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, openEventStream, requireInternal, type App } from '@questline/platform';
import { StreamTicketRedemption, StreamTicketRedeemRequest } from '@questline/contracts';
import type { AuthDependencies } from '../context.js';
import { toInternalUser } from '../domain/users.js';
import { createStreamTicket, prepareAuthFeed, redeemStreamTicket } from '../use-cases/live-stream.use-case.js';
import { liveCaller, userGuard } from './guards.js';

const StreamTicket = Type.Object(
  {
    ticket: Type.String({ description: 'Works once, within expiresIn seconds: GET /api/v1/me/stream?ticket=…' }),
    expiresIn: Type.Integer({ description: 'Seconds' }),
  },
  { $id: 'StreamTicket' },
);

/**
 * The live stream's parts in auth: tickets for players, their redemption by the gateway, and
 * auth's half of a player's feed (the gateway joins it with progress's into GET /api/v1/me/stream).
 */
export function registerStreamRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'verify' | 'internalToken' | 'listener'>) {
  const { ctx, listener } = deps;
  const preValidation = requireInternal(deps.internalToken);

  app.post(
    '/api/v1/me/stream-tickets',
    {
      onRequest: userGuard(ctx, deps.verify),
      schema: {
        tags: ['me'],
        summary: 'A one-time ticket for the live stream (GET /api/v1/me/stream?ticket=…), valid 30 s',
        security: [{ bearerAuth: [] }],
        response: { 201: StreamTicket, ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request, reply) => reply.code(201).send(await createStreamTicket(ctx, liveCaller(request).id)),
  );

  app.post(
    '/internal/stream-tickets/redeem',
    {
      preValidation,
      schema: {
        hide: true,
        body: StreamTicketRedeemRequest,
        response: { 200: StreamTicketRedemption, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request) => {
      const outcome = await redeemStreamTicket(ctx, request.body.ticket);
      if (outcome.kind === 'invalid') throw new AppError('UNAUTHENTICATED', 'the stream ticket is unknown, expired or used already');
      if (outcome.kind === 'banned') throw new AppError('USER_BANNED', 'this account is banned');
      return { user: toInternalUser(outcome.user) };
    },
  );

  app.get(
    '/internal/users/:id/stream',
    {
      preValidation,
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'NOT_FOUND', 'SERVICE_UNAVAILABLE'),
      },
    },
    async (request, reply) => {
      const feed = await prepareAuthFeed(ctx, listener, request.params.id, request.log);
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
