import { Type, type Static } from '@sinclair/typebox';

export const EventAttributes = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]),
  { maxProperties: 32 },
);

/** One event for one user, as the admin batch and the internal ingest endpoint take it. */
export const UserEvent = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    userId: Type.String({ format: 'uuid' }),
    type: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_.:-]*$' }),
    value: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    attributes: Type.Optional(EventAttributes),
    occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type UserEvent = Static<typeof UserEvent>;

/**
 * POST /internal/events on progress (used by auth to deliver `login` events from its outbox).
 * Same semantics and response as the admin batch: idempotent per (userId, id).
 */
export const IngestEventsRequest = Type.Object(
  { events: Type.Array(UserEvent, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type IngestEventsRequest = Static<typeof IngestEventsRequest>;

export const IngestEventsResponse = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), code: Type.String() })),
});
export type IngestEventsResponse = Static<typeof IngestEventsResponse>;
