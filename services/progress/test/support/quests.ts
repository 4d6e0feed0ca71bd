import { randomUUID } from 'node:crypto';
import type { PublishedQuest, RewardPayload } from '@questline/contracts';

export const tenGold: RewardPayload = { id: randomUUID(), name: '10 gold', items: [{ currency: 'gold', amount: 10 }], xp: 0, badge: null };
export const tenDiamond: RewardPayload = { id: randomUUID(), name: '10 diamond', items: [{ currency: 'diamond', amount: 10 }], xp: 0, badge: null };

/** A published quest with sensible defaults; tests override what they exercise. */
export function quest(overrides: Partial<PublishedQuest> & Pick<PublishedQuest, 'key'>): PublishedQuest {
  return {
    id: randomUUID(),
    name: overrides.key,
    description: `test quest ${overrides.key}`,
    tags: [],
    version: 1,
    objective: { event: 'login', mode: 'count', target: 1 },
    reward: tenGold,
    autoClaim: false,
    maxCompletions: null,
    repeat: 'none',
    startsAt: null,
    endsAt: null,
    prerequisites: [],
    ...overrides,
  };
}

/** The two quests the system seeds (api.md). */
export const dailyLogin = quest({
  key: 'daily-login',
  name: 'Daily Login',
  objective: { event: 'login', mode: 'count', target: 1 },
  repeat: 'daily',
  autoClaim: true,
  maxCompletions: 365,
  reward: tenGold,
});

export const signInThreeTimes = quest({
  key: 'sign-in-three-times',
  name: 'Sign in three times',
  objective: { event: 'login', mode: 'streak', target: 3 },
  repeat: 'none',
  autoClaim: false,
  maxCompletions: 2,
  reward: tenDiamond,
});
