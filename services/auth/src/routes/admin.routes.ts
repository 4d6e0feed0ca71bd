import { Type } from '@sinclair/typebox';
import { AppError, PageQuery, actorOf, decodeCursor, errorResponses, type App, scopedSecurity } from '@questline/platform';
import type { AuthDependencies } from '../context.js';
import { isKeysetCursor } from '../domain/users.js';
import { updateUserAsAdmin } from '../use-cases/admin-users.use-case.js';
import { applyAdminGrant } from '../use-cases/grants.use-case.js';
import { userLedgerPage } from '../use-cases/ledger.use-case.js';
import { userById, usersPage } from '../use-cases/users.use-case.js';
import { adminGuard, principal, scopedGuard } from './guards.js';
import { LedgerEntry, Timezone, User, UserEnvelope, UserIdParams, page, EntryEnvelope, WalletChange } from './schemas.js';

export function registerAdminRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'verify'>) {
  const { ctx } = deps;
  const onRequest = adminGuard(ctx, deps.verify);
  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/v1/admin/users',
    {
      onRequest: scopedGuard(ctx, deps.verify, 'users:read'),
      schema: {
        tags: ['admin'],
        summary: 'All users, oldest first (an admin, or an API key with users:read)',
        ...scopedSecurity('users:read'),
        querystring: PageQuery,
        response: { 200: page(User), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return usersPage(ctx, { limit, after: decodeCursor(cursor, isKeysetCursor) });
    },
  );

  app.get(
    '/api/v1/admin/users/:userId',
    {
      onRequest: scopedGuard(ctx, deps.verify, 'users:read'),
      schema: {
        tags: ['admin'],
        summary: 'One user, with balances (an admin, or an API key with users:read)',
        ...scopedSecurity('users:read'),
        params: UserIdParams,
        response: { 200: UserEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND') },
      },
    },
    async (request) => {
      const user = await userById(ctx, request.params.userId);
      if (!user) throw new AppError('NOT_FOUND', 'no such user');
      return { user };
    },
  );

  app.patch(
    '/api/v1/admin/users/:userId',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: "Ban, unban, promote or demote a user (banning ends the user's sessions), or set their time zone",
        security,
        params: UserIdParams,
        body: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('banned')])),
            role: Type.Optional(Type.Union([Type.Literal('player'), Type.Literal('admin')])),
            timezone: Type.Optional(Timezone),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'LAST_ADMIN') },
      },
    },
    async (request) => {
      const outcome = await updateUserAsAdmin(ctx, actorOf(principal(request)), request.params.userId, request.body);
      if (outcome.kind === 'not_found') throw new AppError('NOT_FOUND', 'no such user');
      if (outcome.kind === 'last_admin') throw new AppError('LAST_ADMIN', 'the last admin cannot be demoted or banned');
      return { user: outcome.user };
    },
  );

  app.post(
    '/api/v1/admin/users/:userId/grants',
    {
      onRequest: scopedGuard(ctx, deps.verify, 'users:write'),
      schema: {
        tags: ['admin'],
        summary: 'Pay a user (admin, or a key with users:write); idempotent on idempotencyKey (a repeat returns the first entry and pays nothing)',
        ...scopedSecurity('users:write'),
        params: UserIdParams,
        body: WalletChange,
        response: {
          200: EntryEnvelope,
          201: EntryEnvelope,
          ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED', 'UPSTREAM_UNAVAILABLE'),
        },
      },
    },
    async (request, reply) => {
      const outcome = await applyAdminGrant(ctx, principal(request), { userId: request.params.userId, ...request.body }, request.id);
      switch (outcome.kind) {
        case 'currency_unknown':
          throw new AppError('VALIDATION_FAILED', `body.currency: no currency "${request.body.currency}" in the catalog`, 'currency');
        case 'catalog_unavailable':
          throw new AppError('UPSTREAM_UNAVAILABLE', 'the catalog could not be asked whether this currency exists; retry later', undefined, {
            'retry-after': '2',
          });
        case 'user_not_found':
          throw new AppError('NOT_FOUND', 'no such user');
        case 'key_reused':
          throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this idempotencyKey was already used for a different grant', 'idempotencyKey');
      }
      return reply.code(outcome.kind === 'paid' ? 201 : 200).send({ entry: outcome.entry });
    },
  );

  app.get(
    '/api/v1/admin/users/:userId/ledger',
    {
      onRequest: scopedGuard(ctx, deps.verify, 'users:read'),
      schema: {
        tags: ['admin'],
        summary: "A user's ledger, newest first (admin, or a key with users:read)",
        ...scopedSecurity('users:read'),
        params: UserIdParams,
        querystring: PageQuery,
        response: { 200: page(LedgerEntry), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const found = await userLedgerPage(ctx, request.params.userId, { limit, before: decodeCursor(cursor, isKeysetCursor) });
      if (!found) throw new AppError('NOT_FOUND', 'no such user');
      return found;
    },
  );
}
