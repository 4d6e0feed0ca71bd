import { Type } from '@sinclair/typebox';
import { AppError, PageQuery, decodeCursor, errorResponses, toPage, type App } from '@questline/platform';
import { lockUser } from '../db/users.repository.js';
import { listLedger } from '../db/ledger.repository.js';
import { isKeysetCursor, userView } from '../domain/users.js';
import { toLedgerEntryView } from '../domain/grants.js';
import { changeProfile } from '../domain/profiles.js';
import type { RouteDeps } from './deps.js';
import { liveCaller, userGuard } from './guards.js';
import { LedgerEntry, Timezone, UserEnvelope, page } from './schemas.js';

export function registerMeRoutes(app: App, deps: RouteDeps) {
  const { db } = deps;
  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/v1/me',
    {
      onRequest: userGuard(deps.db, deps.verify),
      schema: {
        tags: ['me'],
        summary: 'The current user with balances',
        security,
        response: { 200: UserEnvelope, ...errorResponses('UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request) => ({ user: await userView(db, liveCaller(request)) }),
  );

  app.patch(
    '/api/v1/me',
    {
      onRequest: userGuard(deps.db, deps.verify),
      schema: {
        tags: ['me'],
        summary: "Change the current user's time zone",
        security,
        body: Type.Object({ timezone: Timezone }, { additionalProperties: false }),
        response: { 200: UserEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { timezone } = request.body;
      const caller = liveCaller(request);
      // Progress evaluates days in the user's timezone: the change reaches it through the outbox.
      const updated = await db.transaction().execute(async (trx) => {
        const locked = await lockUser(trx, caller.id);
        return locked ? changeProfile(trx, locked, { timezone }) : undefined;
      });
      if (!updated) throw new AppError('UNAUTHENTICATED', 'the account of this token no longer exists');
      deps.relay.nudge('profile');
      return { user: await userView(db, updated) };
    },
  );

  app.get(
    '/api/v1/me/ledger',
    {
      onRequest: userGuard(deps.db, deps.verify),
      schema: {
        tags: ['me'],
        summary: "The current user's ledger, newest first",
        security,
        querystring: PageQuery,
        response: { 200: page(LedgerEntry), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request) => {
      const caller = liveCaller(request);
      const { limit, cursor } = request.query;
      const before = decodeCursor(cursor, isKeysetCursor);
      const rows = await listLedger(db, caller.id, { limit: limit + 1, before });
      const { items, nextCursor } = toPage(rows, limit, (last) => [last.sort_ts, last.id]);
      return { items: items.map(toLedgerEntryView), nextCursor };
    },
  );
}
