import { Type, type TSchema } from '@sinclair/typebox';
import { Objective, QuestStatus, Repeat, RewardItem } from '@questline/contracts';
import { PageQuery } from '@questline/platform';
import { QUEST_KEY_PATTERN } from '../domain/quest.js';

const Instant = Type.String({ format: 'date-time' });
const NullableInstant = Type.Union([Instant, Type.Null()]);

export const QuestKey = Type.String({ minLength: 1, maxLength: 64, pattern: QUEST_KEY_PATTERN, example: 'daily-login' });
/** Path keys are checked in the handler, so that a malformed key is a plain 404. */
export const QuestKeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const Tag = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9_-]*$' });

export const Quest = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    key: Type.String(),
    name: Type.String(),
    description: Type.String(),
    tags: Type.Array(Type.String()),
    status: QuestStatus,
    version: Type.Integer({ minimum: 1 }),
    objective: Objective,
    rewardId: Type.String({ format: 'uuid' }),
    autoClaim: Type.Boolean(),
    maxCompletions: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    repeat: Repeat,
    startsAt: NullableInstant,
    endsAt: NullableInstant,
    prerequisites: Type.Array(Type.String()),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { title: 'Quest' },
);

const questDefinitionFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 4000, default: '' })),
  tags: Type.Optional(Type.Array(Tag, { maxItems: 20, uniqueItems: true, default: [] })),
  objective: Objective,
  rewardId: Type.String({ format: 'uuid' }),
  autoClaim: Type.Optional(Type.Boolean({ default: false })),
  maxCompletions: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], { default: null })),
  repeat: Type.Optional(Type.Union(Repeat.anyOf, { default: 'none' })),
  startsAt: Type.Optional(Type.Union([Instant, Type.Null()], { default: null })),
  endsAt: Type.Optional(Type.Union([Instant, Type.Null()], { default: null })),
  prerequisites: Type.Optional(Type.Array(QuestKey, { maxItems: 20, uniqueItems: true, default: [] })),
};

export const CreateQuestBody = Type.Object({ key: QuestKey, ...questDefinitionFields }, { additionalProperties: false });
/** Same as create; `key` may be repeated but must equal the path key (keys never change). */
export const UpdateQuestBody = Type.Object({ key: Type.Optional(QuestKey), ...questDefinitionFields }, { additionalProperties: false });

export const Reward = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    items: Type.Array(RewardItem),
    xp: Type.Integer({ minimum: 0 }),
    badge: Type.Union([Type.String(), Type.Null()]),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { title: 'Reward' },
);

export const RewardBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    items: Type.Array(RewardItem, { minItems: 1, maxItems: 20 }),
    xp: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
    badge: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { default: null })),
  },
  { additionalProperties: false },
);

export const Currency = Type.Object(
  { code: Type.String(), name: Type.String(), createdAt: Instant },
  { title: 'Currency' },
);

export const CurrencyBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_-]*$', example: 'ruby' }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

export const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    actorId: Type.String(),
    action: Type.String(),
    entity: Type.String(),
    entityKey: Type.String(),
    at: Instant,
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'AuditEntry' },
);

export { pageOf as page } from '@questline/platform';

export const pageQuery = <P extends Record<string, TSchema>>(extra: P) => Type.Object({ ...PageQuery.properties, ...extra });

export const NotModified = Type.Null({ description: 'Not modified: If-None-Match matched the ETag' });

export const QuestListFilters = {
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  event: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
};
