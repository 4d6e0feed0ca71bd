import { Type } from '@sinclair/typebox';
import { EventTypeName } from '@questline/contracts';
import { actorOf, errorResponses, principalOf, AppError, type App, type AuthGuard, scopedSecurity } from '@questline/platform';
import type { FastifyRequest } from 'fastify';
import type { Actor, CatalogContext } from '../context.js';
import { declareEventType, listEventTypes } from '../use-cases/event-type-admin.use-case.js';
import { orFail } from './http.js';

const Limit = Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Null()]);

const EventType = Type.Object(
  {
    type: Type.String(),
    description: Type.String(),
    playerReportable: Type.Boolean(),
    maxValue: Limit,
    playerDailyLimit: Limit,
    declared: Type.Boolean({ description: 'false: only listened to by quests, never declared (server-only)' }),
    usedBy: Type.Array(Type.String(), { description: 'keys of the draft and published quests whose objective listens to this type' }),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'EventType' },
);

const EventTypeBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    playerReportable: Type.Boolean(),
    maxValue: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Null()], { description: 'largest value a player may send (null: no limit)' })),
    playerDailyLimit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], { description: 'events of this type a player may report per day, in their timezone (null: no limit)' })),
  },
  { additionalProperties: false },
);

const guardErrors = ['UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED'] as const;

/** Who the audit names: the admin's user id (as every catalog audit row), or `key:<id>` for an API key. */
function actorFrom(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  if (!principal) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return { id: principal.kind === 'user' ? principal.userId : actorOf(principal) };
}

export function registerEventTypeRoutes(app: App, deps: { ctx: CatalogContext; guard: AuthGuard }) {
  const { ctx } = deps;

  app.get(
    '/api/v1/admin/event-types',
    {
      onRequest: deps.guard,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Every declared event type and every type a quest listens to',
        ...scopedSecurity('catalog:write'),
        response: { 200: Type.Object({ items: Type.Array(EventType) }), ...errorResponses(...guardErrors) },
      },
    },
    async () => ({ items: await listEventTypes(ctx) }),
  );

  app.put(
    '/api/v1/admin/event-types/:type',
    {
      onRequest: deps.guard,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Declare an event type: whether players may report it, its largest value and daily limit',
        ...scopedSecurity('catalog:write', 'Replaces the declaration (omitted optional fields go back to their defaults). `login` can never be player-reportable.'),
        params: Type.Object({ type: EventTypeName }),
        body: EventTypeBody,
        response: { 200: Type.Object({ eventType: EventType }), ...errorResponses('VALIDATION_FAILED', ...guardErrors, 'EVENT_TYPE_RESERVED') },
      },
    },
    async (request) => {
      const { description = '', playerReportable, maxValue = null, playerDailyLimit = null } = request.body;
      const eventType = orFail(await declareEventType(ctx, actorFrom(request), request.params.type, { description, playerReportable, maxValue, playerDailyLimit }));
      return { eventType };
    },
  );
}
