import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { IngestEventsRequest, IngestEventsResponse, UserEvent } from '@questline/contracts';
import { AppError, callerOf, errorResponses, requireAuth, requireInternal, userBanned, type App } from '@questline/platform';
import type { ProgressContext } from '../context.js';
import { buildQuestView } from '../domain/quest-view.js';
import { GroupCommitter } from '../use-cases/group-commit.js';
import { ingestBatch, lookupUser } from '../use-cases/ingest-batch.js';
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
  const deps = { db: ctx.db, catalog: ctx.catalog, counters: ctx.counters, users: ctx.users, onGrantsQueued: () => ctx.relay.nudge() };
  const singles = new GroupCommitter(deps, { maxInFlight: 4, maxGroup: 256 });

  app.post(
    '/api/v1/events',
    {
      onRequest: requireAuth(ctx.verify),
      schema: {
        tags: ['Progress'],
        summary: 'Record an event for the caller and apply it to their quests',
        security: [{ bearerAuth: [] }],
        body: PlayerEventBody,
        response: { 200: PlayerEventResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED', 'PAYLOAD_TOO_LARGE', 'CATALOG_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      // The token may predate a ban or a timezone change: the profile from auth decides.
      const profile = await lookupUser(ctx.users, caller.id, request.id);
      if (!profile) throw new AppError('UNAUTHENTICATED', 'this account no longer exists');
      if (profile.status === 'banned') throw userBanned();

      const body = request.body;
      const eventId = body.id ?? randomUUID();
      const now = new Date();
      const { applied, states: latest } = await singles.submit({
        userId: caller.id,
        timezone: profile.timezone,
        events: [{ id: eventId, type: body.type, value: body.value, attributes: body.attributes, occurredAt: now }],
      });
      const event = applied[0]!;
      // This event's own effect, even when later events of the same user were committed with it.
      const states = event.statesAfter ?? latest;
      const view = { now, timezone: profile.timezone, completionsOf: (key: string) => states.get(key)?.completions ?? 0 };
      return {
        eventId,
        duplicate: event.duplicate,
        updates: event.results.map(({ quest }) => {
          const { status, progress, target } = buildQuestView(quest, states.get(quest.key) ?? null, view);
          return { questKey: quest.key, status, progress, target };
        }),
        completed: event.results.filter((r) => r.outcome.kind === 'completed').map((r) => r.quest.key),
        rewarded: event.rewarded,
      };
    },
  );

  app.post(
    '/api/v1/admin/events',
    {
      // Pays rewards for any user: the stored profile (pushed by auth; auth is asked when there is
      // none) must still say admin and not banned, whatever the token says.
      onRequest: requireAuth(ctx.verify, { role: 'admin', confirm: (id, requestId) => ctx.users.get(id, requestId) }),
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: ['Progress'],
        summary: 'Import events for any users (backfill); applied in occurredAt order per user',
        security: [{ bearerAuth: [] }],
        body: IngestEventsRequest,
        response: { 200: IngestEventsResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'PAYLOAD_TOO_LARGE', 'CATALOG_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => ingestBatch(deps, request.body.events, request.id),
  );

  // How auth delivers login events from its outbox; idempotent per (userId, id).
  app.post(
    '/internal/events',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        hide: true,
        body: IngestEventsRequest,
        response: { 200: IngestEventsResponse, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE', 'CATALOG_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE') },
      },
    },
    async (request) => ingestBatch(deps, request.body.events, request.id),
  );
}
