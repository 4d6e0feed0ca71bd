import { Type } from '@sinclair/typebox';
import { IngestEventsRequest, IngestEventsResponse, UserEvent } from '@questline/contracts';
import { callerOf, errorResponses, requireAuth, requireInternal, userBanned, type App } from '@questline/platform';
import { unknownAccount } from './errors.js';
import type { ProgressContext } from '../context.js';
import { ingestBatch } from '../use-cases/ingest-batch.use-case.js';
import { recordPlayerEvent } from '../use-cases/record-event.use-case.js';
import { QuestViewStatus, RewardedItems } from './schemas.js';

const BATCH_BODY_LIMIT = 4 * 1024 * 1024;

const PlayerEventBody = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'idempotency key; the same id again is a duplicate (default: a new uuid)' })),
    type: UserEvent.properties.type,
    value: UserEvent.properties.value,
    attributes: UserEvent.properties.attributes,
  },
  { additionalProperties: false },
);

const PlayerEventResponse = Type.Object({
  eventId: Type.String(),
  duplicate: Type.Boolean(),
  updates: Type.Array(Type.Object({ questKey: Type.String(), status: QuestViewStatus, progress: Type.Integer(), target: Type.Integer() })),
  completed: Type.Array(Type.String()),
  rewarded: Type.Array(Type.Object({ questKey: Type.String(), items: RewardedItems })),
});

export function registerEventRoutes(app: App, ctx: ProgressContext) {
  app.post(
    '/api/v1/events',
    {
      onRequest: requireAuth(ctx.verify),
      schema: {
        tags: ['Progress'],
        summary: 'Record an event for the caller and apply it to their quests',
        security: [{ bearerAuth: [] }],
        body: PlayerEventBody,
        response: { 200: PlayerEventResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'PAYLOAD_TOO_LARGE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      const result = await recordPlayerEvent(ctx, callerOf(request).id, request.body, request.id);
      if (result.kind !== 'recorded') throw result.kind === 'banned' ? userBanned() : unknownAccount();
      return result.event;
    },
  );

  app.post(
    '/api/v1/admin/events',
    {
      // Pays rewards for any user: the stored profile (pushed by auth; auth is asked when there is
      // none) must still say admin and not banned, whatever the token says; or a key with events:write.
      onRequest: requireAuth(ctx.verify, { role: 'admin', scope: 'events:write', keys: ctx.keys, confirm: (id, requestId) => ctx.users.get(id, requestId) }),
      bodyLimit: BATCH_BODY_LIMIT,
      // One event with a NUL or a lone surrogate is rejected alone (ingestBatch), not the batch.
      config: { perItemStringCheck: 'events' },
      schema: {
        tags: ['Progress'],
        summary: 'Import events for any users (backfill); applied in occurredAt order per user',
        security: [{ bearerAuth: [] }, { apiKey: [] }],
        body: IngestEventsRequest,
        response: { 200: IngestEventsResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'PAYLOAD_TOO_LARGE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => ingestBatch(ctx, request.body.events, request.id),
  );

  // How auth delivers login events from its outbox; idempotent per (userId, id).
  app.post(
    '/internal/events',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      bodyLimit: BATCH_BODY_LIMIT,
      // One event with a NUL or a lone surrogate is rejected alone (ingestBatch), not the batch.
      config: { perItemStringCheck: 'events' },
      schema: {
        hide: true,
        body: IngestEventsRequest,
        response: { 200: IngestEventsResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => ingestBatch(ctx, request.body.events, request.id),
  );
}
