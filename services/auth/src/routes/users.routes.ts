import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, type App, scopedSecurity } from '@questline/platform';
import type { AuthDependencies } from '../context.js';
import { applyDebit } from '../use-cases/debits.use-case.js';
import { findExternalUser, upsertExternalUser } from '../use-cases/external-users.use-case.js';
import { mintSession } from '../use-cases/sessions.use-case.js';
import { principal, scopedGuard } from './guards.js';
import { ExternalIdParams, Timezone, UserEnvelope, UserIdParams, Username, EntryEnvelope, WalletChange } from './schemas.js';

/** api.md: a minted session lives 60 s to a day, 15 minutes unless asked. */
const SESSION_TTL = { minimum: 60, maximum: 86_400, default: 900 } as const;

/** A product's server managing its users (api.md v1.1): an admin's token, or a key with the scope. */
export function registerUserRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'verify' | 'signer'>) {
  const { ctx } = deps;
  const reader = scopedGuard(ctx, deps.verify, 'users:read');
  const writer = scopedGuard(ctx, deps.verify, 'users:write');
  const denied = ['UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED'] as const;
  // Bodies whose every field is optional may be left out: a request without one reads as `{}`.
  const emptyBodyIsEmptyObject = async (request: { body: unknown }) => {
    request.body ??= {};
  };

  app.put(
    '/api/v1/users/external/:externalId',
    {
      onRequest: writer,
      preValidation: emptyBodyIsEmptyObject,
      schema: {
        tags: ['users'],
        summary: "Create or update a user by the product's own id (key users:write); a timezone change here is always allowed",
        ...scopedSecurity('users:write'),
        params: ExternalIdParams,
        body: Type.Object({ username: Type.Optional(Username), timezone: Type.Optional(Timezone) }, { additionalProperties: false }),
        response: { 200: UserEnvelope, 201: UserEnvelope, ...errorResponses('VALIDATION_FAILED', ...denied, 'USERNAME_TAKEN') },
      },
    },
    async (request, reply) => {
      const outcome = await upsertExternalUser(ctx, request.params.externalId, request.body);
      if (outcome.kind === 'username_taken') throw new AppError('USERNAME_TAKEN', 'this username is taken', 'username');
      return reply.code(outcome.kind === 'created' ? 201 : 200).send({ user: outcome.user });
    },
  );

  app.get(
    '/api/v1/users/external/:externalId',
    {
      onRequest: reader,
      schema: {
        tags: ['users'],
        summary: "A user by the product's own id (key users:read)",
        ...scopedSecurity('users:read'),
        params: ExternalIdParams,
        response: { 200: UserEnvelope, ...errorResponses('VALIDATION_FAILED', ...denied, 'NOT_FOUND') },
      },
    },
    async (request) => {
      const user = await findExternalUser(ctx, request.params.externalId);
      if (!user) throw new AppError('NOT_FOUND', 'no user has this external id');
      return { user };
    },
  );

  app.post(
    '/api/v1/users/:userId/sessions',
    {
      onRequest: writer,
      preValidation: emptyBodyIsEmptyObject,
      schema: {
        tags: ['users'],
        summary: "Mint a player's access token (key users:write): the product's client then calls /api/v1/me/* as that player",
        ...scopedSecurity('users:write'),
        params: UserIdParams,
        body: Type.Object({ ttlSeconds: Type.Optional(Type.Integer(SESSION_TTL)) }, { additionalProperties: false }),
        response: {
          201: Type.Object({ accessToken: Type.String(), tokenType: Type.Literal('Bearer'), expiresIn: Type.Integer({ description: 'seconds' }) }),
          ...errorResponses('VALIDATION_FAILED', ...denied, 'NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const ttlSeconds = request.body.ttlSeconds ?? SESSION_TTL.default;
      const outcome = await mintSession(ctx, deps.signer, principal(request), request.params.userId, ttlSeconds);
      switch (outcome.kind) {
        case 'not_found':
          throw new AppError('NOT_FOUND', 'no such user');
        case 'user_banned':
          throw new AppError('USER_BANNED', 'this account is banned');
        case 'not_a_player':
          throw new AppError('FORBIDDEN', "sessions are minted for players only; an admin's session would carry every scope");
      }
      return reply.code(201).send({ accessToken: outcome.accessToken, tokenType: 'Bearer', expiresIn: outcome.expiresIn });
    },
  );

  app.post(
    '/api/v1/users/:userId/debits',
    {
      onRequest: writer,
      schema: {
        tags: ['users'],
        summary: "Take money from a user's wallet (key users:write); idempotent on idempotencyKey; never below zero",
        ...scopedSecurity('users:write'),
        params: UserIdParams,
        body: WalletChange,
        response: {
          200: EntryEnvelope,
          201: EntryEnvelope,
          ...errorResponses('VALIDATION_FAILED', 'UNKNOWN_CURRENCY', ...denied, 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED', 'INSUFFICIENT_FUNDS', 'UPSTREAM_UNAVAILABLE'),
        },
      },
    },
    async (request, reply) => {
      const outcome = await applyDebit(ctx, principal(request), { userId: request.params.userId, ...request.body }, request.id);
      switch (outcome.kind) {
        case 'currency_unknown':
          throw new AppError('UNKNOWN_CURRENCY', `body.currency: no currency "${request.body.currency}" in the catalog`, 'currency');
        case 'catalog_unavailable':
          throw new AppError('UPSTREAM_UNAVAILABLE', 'the catalog could not be asked whether this currency exists; retry later', undefined, {
            'retry-after': '2',
          });
        case 'user_not_found':
          throw new AppError('NOT_FOUND', 'no such user');
        case 'user_banned':
          throw new AppError('USER_BANNED', "this account is banned; its balances stay as they are");
        case 'key_reused':
          throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this idempotencyKey was already used for a different debit', 'idempotencyKey');
        case 'insufficient_funds':
          throw new AppError('INSUFFICIENT_FUNDS', `the balance in ${request.body.currency} is less than ${request.body.amount}; nothing was taken`, 'amount');
      }
      return reply.code(outcome.kind === 'debited' ? 201 : 200).send({ entry: outcome.entry });
    },
  );
}
