import { Type } from '@sinclair/typebox';
import { AppError, PageQuery, decodeCursor, errorResponses, type App } from '@questline/platform';
import type { AuthDependencies } from '../context.js';
import { retryAfterSeconds } from '../domain/profiles.js';
import { isKeysetCursor } from '../domain/users.js';
import { ledgerPage } from '../use-cases/ledger.use-case.js';
import { changeOwnProfile } from '../use-cases/profiles.use-case.js';
import { currentUserView } from '../use-cases/users.use-case.js';
import { liveCaller, userGuard } from './guards.js';
import { LedgerEntry, Timezone, UserEnvelope, page } from './schemas.js';

export function registerMeRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'verify'>) {
  const { ctx } = deps;
  const onRequest = userGuard(ctx, deps.verify);
  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/v1/me',
    {
      onRequest,
      schema: {
        tags: ['me'],
        summary: 'The current user with balances',
        security,
        response: { 200: UserEnvelope, ...errorResponses('UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request) => ({ user: await currentUserView(ctx, liveCaller(request)) }),
  );

  app.patch(
    '/api/v1/me',
    {
      onRequest,
      schema: {
        tags: ['me'],
        summary: "Change the current user's time zone (at most once per 24 hours)",
        security,
        body: Type.Object({ timezone: Timezone }, { additionalProperties: false }),
        response: { 200: UserEnvelope, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'TIMEZONE_CHANGE_TOO_SOON') },
      },
    },
    async (request) => {
      const { timezone } = request.body;
      const outcome = await changeOwnProfile(ctx, liveCaller(request).id, { timezone });
      if (outcome.kind === 'not_found') throw new AppError('UNAUTHENTICATED', 'the account of this token no longer exists');
      if (outcome.kind === 'too_soon') {
        const retryAt = outcome.retryAt.toISOString();
        throw new AppError(
          'TIMEZONE_CHANGE_TOO_SOON',
          `the timezone can be changed once per 24 hours; next change allowed at ${retryAt}`,
          'timezone',
          { 'retry-after': String(retryAfterSeconds(outcome.retryAt, new Date())) },
          { retryAt },
        );
      }
      return { user: outcome.user };
    },
  );

  app.get(
    '/api/v1/me/ledger',
    {
      onRequest,
      schema: {
        tags: ['me'],
        summary: "The current user's ledger, newest first",
        security,
        querystring: PageQuery,
        response: { 200: page(LedgerEntry), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return ledgerPage(ctx, liveCaller(request).id, { limit, before: decodeCursor(cursor, isKeysetCursor) });
    },
  );
}
