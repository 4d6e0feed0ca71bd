import { Type } from '@sinclair/typebox';
import { AppError, PageQuery, SCOPES, ScopeSchema, actorOf, decodeCursor, errorResponses, principalOf, toPage, type App, type Scope } from '@questline/platform';
import type { AuthDependencies } from '../context.js';
import type { AuditEntry as AuditModel } from '../db/audit.repository.js';
import { isKeysetCursor } from '../domain/users.js';
import { apiKeysPage, createApiKey, revokeApiKeyById } from '../use-cases/api-keys.use-case.js';
import { auditPage } from '../use-cases/audit.use-case.js';
import { adminGuard } from './guards.js';
import { Timestamp, page } from './schemas.js';

const ScopeName = ScopeSchema;

export const ApiKey = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'the public part of the secret, `qlk_<prefix>_…`' }),
    scopes: Type.Array(ScopeName),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()], { description: 'to the minute' }),
    revokedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'ApiKey' },
);

const AccountAuditEntry = Type.Object(
  {
    id: Type.Integer(),
    actorId: Type.String({ description: '`user:<id>` or `key:<id>`' }),
    action: Type.String(),
    entity: Type.String(),
    entityKey: Type.String(),
    at: Timestamp,
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'AccountAuditEntry' },
);

const AuditEntity = Type.Union([Type.Literal('api_key'), Type.Literal('user'), Type.Literal('wallet'), Type.Literal('webhook')]);

const isIdCursor = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/**
 * Key management takes an admin's token, live-checked: a key never creates or revokes keys (a
 * leaked key must not be able to mint more of itself). Audit rows name the admin.
 */
export function registerApiKeyRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'verify'>) {
  const { ctx } = deps;
  const onRequest = adminGuard(ctx, deps.verify);
  const security = [{ bearerAuth: [] }];
  const actor = (request: Parameters<typeof principalOf>[0]) => actorOf(principalOf(request)!);

  app.post(
    '/api/v1/admin/api-keys',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the secret is in this answer only',
        security,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Array(ScopeName, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ apiKey: ApiKey, secret: Type.String({ description: '`qlk_<prefix>_<secret>`, shown once' }) }),
          ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED'),
        },
      },
    },
    async (request, reply) => {
      // The schema admits only SCOPES; the type provider loses the enum's type inside the array.
      const { name, scopes } = request.body as { name: string; scopes: Scope[] };
      return reply.code(201).send(await createApiKey(ctx, actor(request), { name, scopes }));
    },
  );

  app.get(
    '/api/v1/admin/api-keys',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'API keys, newest first (never their secrets)',
        security,
        querystring: PageQuery,
        response: { 200: page(ApiKey), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return apiKeysPage(ctx, { limit, before: decodeCursor(cursor, isKeysetCursor) });
    },
  );

  app.delete(
    '/api/v1/admin/api-keys/:id',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key (refused everywhere within seconds); revoking again is a no-op',
        security,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const outcome = await revokeApiKeyById(ctx, actor(request), request.params.id);
      if (outcome.kind === 'not_found') throw new AppError('NOT_FOUND', 'no such API key');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/admin/account-audit',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'The accounts audit (API keys, users, wallets), newest first',
        security,
        querystring: Type.Object({
          ...PageQuery.properties,
          entity: Type.Optional(AuditEntity),
          entityKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: { 200: page(AccountAuditEntry), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor, entity, entityKey } = request.query;
      const rows = await auditPage(ctx, { beforeId: decodeCursor(cursor, isIdCursor), entity, entityKey, limit: limit + 1 });
      return toPage(rows, limit, (e: AuditModel) => e.id);
    },
  );
}
