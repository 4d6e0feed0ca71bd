import { Type } from '@sinclair/typebox';
import { EventAttributes, ExternalId, IngestEventsRequest, IngestEventsResponse, UserEvent } from '@questline/contracts';
import { AppError, errorResponses, principalOf, requireAuth, requireInternal, userBanned, type App, scopedSecurity } from '@questline/platform';
import { unknownAccount } from './errors.js';
import type { ProgressContext } from '../context.js';
import { ingestBatch } from '../use-cases/ingest-batch.use-case.js';
import { recordEvent, type EventSender, type RecordOutcome } from '../use-cases/record-event.use-case.js';
import { QuestViewStatus, RewardedItems } from './schemas.js';

const BATCH_BODY_LIMIT = 4 * 1024 * 1024;

const EventId = Type.String({ minLength: 1, maxLength: 128 });
const Timezone = Type.String({ minLength: 1, maxLength: 64, format: 'iana-timezone', description: 'the timezone of a user created for an unknown externalUserId (default UTC)' });

const EventBody = Type.Object(
  {
    id: Type.Optional({ ...EventId, description: 'idempotency key; the same id again is a duplicate (default: the Idempotency-Key header, else a new uuid)' }),
    type: UserEvent.properties.type,
    value: UserEvent.properties.value,
    attributes: UserEvent.properties.attributes,
    userId: Type.Optional(Type.String({ format: 'uuid', description: 'servers only (API key with events:write, or an admin): the user the event is for' })),
    externalUserId: Type.Optional({ ...ExternalId, description: "servers only: the user by the product's own id; an unknown one is created" }),
    timezone: Type.Optional(Timezone),
  },
  { additionalProperties: false },
);

const EventHeaders = Type.Object({ 'idempotency-key': Type.Optional({ ...EventId, description: "the event's id (as `id` in the body)" }) });

/** The admin batch: each event names its user by `userId` or by `externalUserId` (exactly one; else that event is rejected). */
const AdminEventsRequest = Type.Object(
  {
    events: Type.Array(
      Type.Object(
        {
          id: UserEvent.properties.id,
          userId: Type.Optional(UserEvent.properties.userId),
          externalUserId: Type.Optional(ExternalId),
          timezone: Type.Optional(Timezone),
          type: UserEvent.properties.type,
          value: UserEvent.properties.value,
          attributes: Type.Optional(EventAttributes),
          occurredAt: UserEvent.properties.occurredAt,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);

/** An outcome of POST /events other than recorded, as the api.md error. */
function refusal(outcome: Exclude<RecordOutcome, { kind: 'recorded' }>): AppError {
  switch (outcome.kind) {
    case 'unknown-user':
      return unknownAccount();
    case 'banned':
    case 'banned-target':
      return userBanned();
    case 'unknown-target':
      return new AppError('UNKNOWN_USER', 'no such user', 'userId');
    case 'invalid':
      return new AppError('VALIDATION_FAILED', outcome.message, outcome.field);
    case 'not-reportable':
      return new AppError('EVENT_NOT_PLAYER_REPORTABLE', 'players may not report this event type; it is sent by the product\'s server');
    case 'value-too-large':
      return new AppError('VALIDATION_FAILED', `value must be at most ${outcome.maxValue} for this event type`, 'value');
    case 'rate-limited':
      return new AppError('RATE_LIMITED', `the daily limit for this event type is reached; it resets at ${outcome.resetsAt.toISOString()}`, undefined, {
        'retry-after': String(outcome.retryAfterSeconds),
      });
  }
}

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
      // A player's token, an admin's token, or an API key with events:write.
      onRequest: requireAuth(ctx.verify, { scope: 'events:write', keys: ctx.keys }),
      schema: {
        tags: ['Progress'],
        summary: "Record an event: a player's own, or a server's for a user it names",
        security: [{ bearerAuth: [] }, { apiKey: [] }],
        description:
          "Takes a player's access token, an admin's, or an API key with scope `events:write`. " +
          'A player reports only for themselves, only types declared player-reportable, with value ≤ maxValue and at most playerDailyLimit a day. ' +
          'A server (API key with events:write, or an admin) names the user with exactly one of userId or externalUserId and may send any type.',
        headers: EventHeaders,
        body: EventBody,
        response: {
          200: PlayerEventResponse,
          ...errorResponses(
            'VALIDATION_FAILED',
            'UNAUTHENTICATED',
            'FORBIDDEN',
            'USER_BANNED',
            'EVENT_NOT_PLAYER_REPORTABLE',
            'UNKNOWN_USER',
            'PAYLOAD_TOO_LARGE',
            'RATE_LIMITED',
            'UPSTREAM_UNAVAILABLE',
          ),
        },
      },
    },
    async (request) => {
      const header = request.headers['idempotency-key'];
      const { body } = request;
      if (header !== undefined && body.id !== undefined && header !== body.id) {
        throw new AppError('VALIDATION_FAILED', 'the Idempotency-Key header and the body id differ; send one, or the same in both', 'id');
      }
      const principal = principalOf(request);
      if (!principal) throw unknownAccount();
      const sender: EventSender = principal.kind === 'key' ? { kind: 'key' } : { kind: 'token', userId: principal.userId };
      const outcome = await recordEvent(ctx, sender, { ...body, id: body.id ?? header }, request.id);
      if (outcome.kind !== 'recorded') throw refusal(outcome);
      return outcome.event;
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
        ...scopedSecurity('events:write', 'Each event names its user by userId or externalUserId (exactly one; unknown external ids are created, in one call to auth per batch).'),
        body: AdminEventsRequest,
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
