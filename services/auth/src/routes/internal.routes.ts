import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, requireInternal, type App } from '@questline/platform';
import { GrantRequest, GrantResponse, InternalUser } from '@questline/contracts';
import { findUserById } from '../db/users.repository.js';
import { applyGrant } from '../domain/grants.js';
import type { RouteDeps } from './deps.js';

export function registerInternalRoutes(app: App, deps: RouteDeps) {
  const { db } = deps;
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
      const user = await findUserById(db, request.params.id);
      if (!user) throw new AppError('NOT_FOUND', 'no such user');
      // Status and role must reach other services fresh: a ban takes effect within seconds.
      reply.header('cache-control', 'no-store');
      return { id: user.id, username: user.username, role: user.role, status: user.status, timezone: user.timezone };
    },
  );

  app.post(
    '/internal/grants',
    {
      preValidation,
      schema: {
        hide: true,
        body: GrantRequest,
        response: { 200: GrantResponse, 201: GrantResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const outcome = await applyGrant(db, {
        userId: body.userId,
        idempotencyKey: body.idempotencyKey,
        items: body.items,
        xp: body.xp ?? 0,
        badge: body.badge ?? null,
        reason: body.reason,
        source: body.source,
        grantedBy: null,
      });
      if (outcome.kind === 'user_not_found') throw new AppError('NOT_FOUND', 'no such user');
      // The key alone decides: progress may retry with a reward definition that changed meanwhile,
      // and what was paid the first time stands.
      const entryIds = outcome.entries.map((e) => e.id);
      if (outcome.kind === 'duplicate') return reply.code(200).send({ duplicate: true, entryIds });
      deps.counters.grants.inc({ source: body.source.type });
      return reply.code(201).send({ duplicate: false, entryIds });
    },
  );
}
