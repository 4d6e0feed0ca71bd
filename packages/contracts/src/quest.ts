import { Type, type Static } from '@sinclair/typebox';
import { EventTypeRule } from './event-types.js';

/** Shared between catalog (which owns them) and progress (which evaluates them). */
export const Objective = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_.:-]*$' }),
    mode: Type.Union([Type.Literal('count'), Type.Literal('sum'), Type.Literal('streak')]),
    target: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    filter: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]))),
  },
  { additionalProperties: false },
);
export type Objective = Static<typeof Objective>;

export const Repeat = Type.Union([Type.Literal('none'), Type.Literal('daily'), Type.Literal('weekly')]);
export type Repeat = Static<typeof Repeat>;

export const QuestStatus = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')]);

export const RewardItem = Type.Object(
  {
    currency: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_-]*$' }),
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  },
  { additionalProperties: false },
);
export type RewardItem = Static<typeof RewardItem>;

/** What a reward pays, as progress needs it to order a grant. */
export const RewardPayload = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  items: Type.Array(RewardItem),
  xp: Type.Integer({ minimum: 0 }),
  badge: Type.Union([Type.String(), Type.Null()]),
});
export type RewardPayload = Static<typeof RewardPayload>;

/**
 * A published quest as progress sees it: the definition plus its reward, so that progress can
 * evaluate events and order payments from its in-memory copy without calling the catalog.
 */
export const PublishedQuest = Type.Object({
  id: Type.String({ format: 'uuid' }),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  version: Type.Integer(),
  objective: Objective,
  reward: RewardPayload,
  autoClaim: Type.Boolean(),
  maxCompletions: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  repeat: Repeat,
  startsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  endsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  prerequisites: Type.Array(Type.String()),
});
export type PublishedQuest = Static<typeof PublishedQuest>;

/**
 * An archived quest as progress needs it: what users see of a quest they still have unclaimed
 * completions on. It carries no event on purpose, so it can never be evaluated against events.
 */
export const RetiredQuest = Type.Object({
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  version: Type.Integer(),
  mode: Objective.properties.mode,
  target: Type.Integer({ minimum: 1 }),
  maxCompletions: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
});
export type RetiredQuest = Static<typeof RetiredQuest>;

/**
 * GET /internal/quests on the catalog → every published quest, plus the archived ones' display
 * fields (`retired`; optional so that a catalog older than it still validates) and the declared
 * event types (`eventTypes`; optional likewise: none means every type is server-only). `revision`
 * changes whenever any of them changes.
 */
export const PublishedQuestsResponse = Type.Object({
  revision: Type.String(),
  quests: Type.Array(PublishedQuest),
  retired: Type.Optional(Type.Array(RetiredQuest)),
  eventTypes: Type.Optional(Type.Array(EventTypeRule)),
});
export type PublishedQuestsResponse = Static<typeof PublishedQuestsResponse>;
