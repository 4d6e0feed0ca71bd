import type { RewardItem } from '@questline/contracts';
import { failure, invalid, success, type Outcome } from './outcome.js';

export interface RewardDefinitionInput {
  name: string;
  items: RewardItem[];
  xp?: number;
  badge?: string | null;
}

export interface RewardDefinition {
  name: string;
  items: RewardItem[];
  xp: number;
  badge: string | null;
}

export interface Reward extends RewardDefinition {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export function normalizeReward(input: RewardDefinitionInput): RewardDefinition {
  return { name: input.name, items: input.items, xp: input.xp ?? 0, badge: input.badge ?? null };
}

/** Each currency at most once per reward (a grant pays per currency), and every one must exist. */
export function checkReward(def: RewardDefinition, knownCurrencies: ReadonlySet<string>): Outcome<RewardDefinition> {
  const seen = new Set<string>();
  for (const [i, item] of def.items.entries()) {
    if (seen.has(item.currency)) return invalid(`items.${i}.currency`, `currency ${item.currency} appears more than once`);
    seen.add(item.currency);
    if (!knownCurrencies.has(item.currency)) {
      return failure('UNKNOWN_CURRENCY', `unknown currency ${item.currency}`, `items.${i}.currency`);
    }
  }
  return success(def);
}
