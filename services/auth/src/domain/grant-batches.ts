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
