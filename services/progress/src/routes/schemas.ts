import { Type } from '@sinclair/typebox';
import { Objective, RewardItem } from '@questline/contracts';

export const QuestViewStatus = Type.Union(
  [Type.Literal('locked'), Type.Literal('active'), Type.Literal('claimable'), Type.Literal('completed'), Type.Literal('maxed')],
  { description: 'locked: a prerequisite is missing or outside the schedule; claimable: unclaimed completions; completed: done for the current period; maxed: maxCompletions reached and all claimed' },
);

export const QuestViewSchema = Type.Object({
  quest: Type.Object({ key: Type.String(), name: Type.String(), description: Type.String(), tags: Type.Array(Type.String()) }),
  status: QuestViewStatus,
  progress: Type.Integer({ description: 'toward the next completion, in the current period; the live streak for streak quests' }),
  target: Type.Integer(),
  completions: Type.Integer(),
  maxCompletions: Type.Union([Type.Integer(), Type.Null()]),
  streak: Type.Union(
    [Type.Object({ current: Type.Integer(), best: Type.Integer(), lastDay: Type.Union([Type.String({ format: 'date' }), Type.Null()]) }), Type.Null()],
    { description: 'streak quests only (days in the user timezone); null for count and sum quests' },
  ),
  periodEndsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'end of the current local day/week for repeating quests' }),
  claimable: Type.Integer({ description: 'completions not yet claimed' }),
  objective: Type.Union([Objective, Type.Null()], { description: 'what to do; null for an archived quest listed for its unclaimed completions' }),
  reward: Type.Union(
    [Type.Object({ name: Type.String(), items: Type.Array(RewardItem), xp: Type.Integer(), badge: Type.Union([Type.String(), Type.Null()]) }), Type.Null()],
    { description: 'what each completion pays; null for an archived quest' },
  ),
  lockedBy: Type.Array(Type.Object({ key: Type.String(), name: Type.String() }), { description: 'prerequisites not completed yet (empty when none keeps the quest locked)' }),
  startsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'the schedule: locked before it' }),
  endsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'the schedule: locked after it' }),
  reportable: Type.Boolean({ description: "whether the player may report the objective's event type themselves (POST /events); otherwise the product's server sends it" }),
});

export const QuestViewList = Type.Object({ items: Type.Array(QuestViewSchema) });

export const RewardedItems = Type.Array(RewardItem);

export const UserIdParams = Type.Object({ userId: Type.String({ format: 'uuid' }) });
export const QuestKeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) });
