import { Type } from '@sinclair/typebox';
import { ApiKeyVerifyRequest, ApiKeyVerifyResponse, AppError, errorResponses, requireInternal, type App } from '@questline/platform';
import {
  GrantBatchRequest,
  GrantBatchResponse,
  GrantRequest,
  GrantResponse,
  InternalUser,
  ResolveExternalUsersRequest,
  ResolveExternalUsersResponse,
  WebhookMessagesRequest,
  WebhookMessagesResponse,
} from '@questline/contracts';
import type { AuthDependencies } from '../context.js';
import { toInternalUser } from '../domain/users.js';
import { lookupApiKey } from '../use-cases/api-keys.use-case.js';
import { resolveExternalUsers } from '../use-cases/external-users.use-case.js';
import { applyQuestGrant, applyQuestGrants } from '../use-cases/grants.use-case.js';
import { findUser } from '../use-cases/users.use-case.js';
import { acceptProgressMessages } from '../use-cases/webhook-messages.use-case.js';

export function registerInternalRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'internalToken'>) {
  const { ctx } = deps;
  const preValidation = requireInternal(deps.internalToken);

  app.get(
    '/internal/users/:id',
    {
      preValidation,
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: InternalUser, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const user = await findUser(ctx, request.params.id);
      if (!user) throw new AppError('NOT_FOUND', 'no such user');
      // Status and role must reach other services fresh: a ban takes effect within seconds.
      reply.header('cache-control', 'no-store');
      return toInternalUser(user);
    },
  );

  app.post(
    '/internal/grants',
    {
      preValidation,
      schema: {
        hide: true,
        body: GrantRequest,
        response: { 200: GrantResponse, 201: GrantResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNKNOWN_USER') },
      },
    },
    async (request, reply) => {
      refuseStrayMessages([request.body], 'body');
      const outcome = await applyQuestGrant(ctx, request.body);
      // Its own code, so that the relay can tell "this user does not exist" from a route missing.
      if (outcome.kind === 'user_not_found') throw new AppError('UNKNOWN_USER', 'no such user');
      return reply.code(outcome.kind === 'paid' ? 201 : 200).send({ duplicate: outcome.kind === 'duplicate', entryIds: outcome.entryIds });
    },
  );

  // Progress's grant relay: its claimed rows in one request and one transaction here. An unknown
  // user is that item's answer (the relay dead-letters that row only); a bad item is a 400 for all.
  app.post(
    '/internal/grants/batch',
    {
      preValidation,
      schema: {
        hide: true,
        body: GrantBatchRequest,
        response: { 200: GrantBatchResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      },
    },
    async (request) => {
      const { grants } = request.body;
      refuseStrayMessages(grants, 'body.grants');
      const outcomes = await applyQuestGrants(ctx, grants);
      return {
        results: outcomes.map((outcome, i) => ({
          idempotencyKey: grants[i]!.idempotencyKey,
          status: outcome.kind === 'user_not_found' ? ('unknown_user' as const) : outcome.kind === 'paid' ? ('applied' as const) : ('duplicate' as const),
          entryIds: outcome.kind === 'user_not_found' ? [] : outcome.entryIds,
        })),
      };
    },
  );

  // The other services' (and the gateway's) key check, each behind its own short cache. Uncached
  // here: a revocation is seen by the next lookup. The secret travels in the body, never a URL.
  app.post(
    '/internal/api-keys/verify',
    {
      preValidation,
      schema: {
        hide: true,
        body: ApiKeyVerifyRequest,
        response: { 200: ApiKeyVerifyResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const apiKey = await lookupApiKey(ctx, request.body.secret);
      if (!apiKey) throw new AppError('NOT_FOUND', 'unknown or revoked API key');
      reply.header('cache-control', 'no-store');
      return { apiKey };
    },
  );

  // Progress names users by the product's ids in server events; unknown ones are created here.
  app.post(
    '/internal/users/external/resolve',
    {
      preValidation,
      schema: {
        hide: true,
        body: ResolveExternalUsersRequest,
        response: { 200: ResolveExternalUsersResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return resolveExternalUsers(ctx, request.body.users);
    },
  );

  // Progress's quest.completed / quest.claimed, from its outbox: stored (and fanned out) here.
  app.post(
    '/internal/webhook-messages',
    {
      preValidation,
      schema: {
        hide: true,
        body: WebhookMessagesRequest,
        response: { 200: WebhookMessagesResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      },
    },
    async (request) => ({ stored: await acceptProgressMessages(ctx, request.body.messages) }),
  );
}

/** A carried message is about its grant's own user (its externalUserId is looked up as the grant's). */
function refuseStrayMessages(grants: readonly GrantRequest[], path: string): void {
  const stray = grants.findIndex((g) => g.message !== undefined && g.message.data.userId !== g.userId);
  if (stray < 0) return;
  const at = path === 'body' ? 'body.message' : `${path}.${stray}.message`;
  throw new AppError('VALIDATION_FAILED', `${at}.data.userId: not the grant's userId`, 'message');
}
