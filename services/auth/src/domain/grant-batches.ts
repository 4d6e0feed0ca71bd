import type { GrantInput } from './grants.js';

/** Where one grant of a batch stands once the users are known (before any key is claimed). */
export type GrantSlot =
  | { kind: 'unknown_user' }
  /** The first time this key appears in the batch: it is offered to the grants table. */
  | { kind: 'candidate' }
  /** The same key again inside the batch: it shares the answer of its first occurrence. */
  | { kind: 'repeat'; of: number };

/**
 * Sorts the grants of a batch into unknown users, first occurrences of a key and repeats. A key
 * sent twice in one batch pays once, exactly as if the second had come in a later request.
 */
export function slotGrants(inputs: readonly GrantInput[], knownUsers: ReadonlySet<string>): GrantSlot[] {
  const firstOfKey = new Map<string, number>();
  return inputs.map((input, i): GrantSlot => {
    if (!knownUsers.has(input.userId)) return { kind: 'unknown_user' };
    const first = firstOfKey.get(input.idempotencyKey);
    if (first !== undefined) return { kind: 'repeat', of: first };
    firstOfKey.set(input.idempotencyKey, i);
    return { kind: 'candidate' };
  });
}

/** Users in the order their rows are locked: every writer locks in this order, so no two wait on each other in a cycle. */
export function lockOrder(userIds: Iterable<string>): string[] {
  return [...new Set(userIds)].sort();
}

export interface BalanceDelta {
  userId: string;
  currency: string;
  amount: number;
}

/** One delta per (user, currency) over the grants that pay, sorted so that balance rows are written in one order. */
export function balanceDeltas(paying: readonly GrantInput[]): BalanceDelta[] {
  const sums = new Map<string, BalanceDelta>();
  for (const grant of paying) {
    for (const item of grant.items) {
      const key = `${grant.userId}\u0000${item.currency}`;
      const delta = sums.get(key);
      if (delta) delta.amount += item.amount;
      else sums.set(key, { userId: grant.userId, currency: item.currency, amount: item.amount });
    }
  }
  return [...sums.values()].sort((a, b) => (a.userId === b.userId ? cmp(a.currency, b.currency) : cmp(a.userId, b.userId)));
}

export interface ProfileDelta {
  userId: string;
  xp: number;
  /** New badges in the order the grants gave them (a badge twice counts once). */
  badges: string[];
}

/** XP and badges per user over the grants that pay; users whose grants carry neither are left out. */
export function profileDeltas(paying: readonly GrantInput[]): ProfileDelta[] {
  const byUser = new Map<string, ProfileDelta>();
  for (const grant of paying) {
    if (grant.xp === 0 && !grant.badge) continue;
    const delta = byUser.get(grant.userId) ?? { userId: grant.userId, xp: 0, badges: [] };
    delta.xp += grant.xp;
    if (grant.badge && !delta.badges.includes(grant.badge)) delta.badges.push(grant.badge);
    byUser.set(grant.userId, delta);
  }
  return [...byUser.values()].sort((a, b) => cmp(a.userId, b.userId));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
