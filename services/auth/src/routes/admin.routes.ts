import { Type } from '@sinclair/typebox';
import { AppError, PageQuery, callerOf, decodeCursor, errorResponses, toPage, type App } from '@questline/platform';
import { listUsers } from '../db/users.repository.js';
import { isKeysetCursor, userView, userViews } from '../domain/users.js';
import { updateUserAsAdmin } from '../domain/admin-users.js';
import { adminGrantKey, applyGrant, toLedgerEntryView } from '../domain/grants.js';
import type { RouteDeps } from './deps.js';
import { adminGuard } from './guards.js';
import { Currency, LedgerEntry, User, UserEnvelope, UserIdParams, page } from './schemas.js';

export function registerAdminRoutes(app: App, deps: RouteDeps) {
  const { db } = deps;
  const onRequest = adminGuard(db, deps.verify);
  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/v1/admin/users',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'All users, oldest first',
        security,
        querystring: PageQuery,
        response: { 200: page(User), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = decodeCursor(cursor, isKeysetCursor);
      const rows = await listUsers(db, { limit: limit + 1, after });
      const { items, nextCursor } = toPage(rows, limit, (last) => [last.sort_ts, last.id]);
      return { items: await userViews(db, items), nextCursor };
    },
  );

  app.patch(
    '/api/v1/admin/users/:userId',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: "Ban, unban, promote or demote a user (banning ends the user's sessions)",
        security,
        params: UserIdParams,
        body: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('banned')])),
            role: Type.Optional(Type.Union([Type.Literal('player'), Type.Literal('admin')])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'LAST_ADMIN') },
      },
    },
    async (request) => {
      const outcome = await updateUserAsAdmin(db, request.params.userId, request.body);
      if (outcome.kind === 'not_found') throw new AppError('NOT_FOUND', 'no such user');
      if (outcome.kind === 'last_admin') {
        throw new AppError('LAST_ADMIN', 'the last admin cannot be demoted or banned');
      }
      // A ban should reach progress in moments, not at the next poll.
      deps.relay.nudge('profile');
      return { user: await userView(db, outcome.user) };
    },
  );

  app.post(
    '/api/v1/admin/users/:userId/grants',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Pay a user; idempotent on idempotencyKey (a repeat returns the first entry and pays nothing)',
        security,
        params: UserIdParams,
        body: Type.Object(
          {
            currency: Currency,
            amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
            reason: Type.String({ minLength: 1, maxLength: 200 }),
            idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ entry: LedgerEntry }),
          201: Type.Object({ entry: LedgerEntry }),
          ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED', 'UPSTREAM_UNAVAILABLE'),
        },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      const { currency, amount, reason, idempotencyKey } = request.body;
      const verdict = await deps.currencies.check(currency, request.id);
      if (verdict === 'unknown') throw new AppError('VALIDATION_FAILED', `body.currency: no currency "${currency}" in the catalog`, 'currency');
      if (verdict === 'unavailable') {
        throw new AppError('UPSTREAM_UNAVAILABLE', 'the catalog could not be asked whether this currency exists; retry later', undefined, {
          'retry-after': '2',
        });
      }
      const outcome = await applyGrant(db, {
        userId,
        idempotencyKey: adminGrantKey(userId, idempotencyKey),
        items: [{ currency, amount }],
        xp: 0,
        badge: null,
        reason,
        source: { type: 'admin' },
        grantedBy: callerOf(request).id,
      });
      if (outcome.kind === 'user_not_found') throw new AppError('NOT_FOUND', 'no such user');
      if (outcome.kind === 'duplicate' && !outcome.sameRequest) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this idempotencyKey was already used for a different grant', 'idempotencyKey');
      }
      const entry = outcome.entries[0];
      if (!entry) throw new Error('admin grant produced no ledger entry');
      if (outcome.kind === 'paid') deps.counters.grants.inc({ source: 'admin' });
      return reply.code(outcome.kind === 'paid' ? 201 : 200).send({ entry: toLedgerEntryView(entry) });
    },
  );
}
