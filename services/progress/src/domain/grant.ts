import { questGrantKey, type GrantRequest, type ProgressWebhookMessage, type RewardItem, type RewardPayload } from '@questline/contracts';

/**
 * The payment order for one completion; its key makes every retry a no-op in auth. `message`, the
 * webhook message of the auto-claim completion it pays, travels with it and is stored by auth in the
 * payment's transaction (one hand-over for both; see GrantRequest).
 */
export function questGrant(userId: string, questKey: string, completion: number, reward: RewardPayload, message?: ProgressWebhookMessage): GrantRequest {
  return {
    ...(message ? { message } : {}),
    userId,
    idempotencyKey: questGrantKey(userId, questKey, completion),
    items: reward.items.map((i) => ({ currency: i.currency, amount: i.amount })),
    xp: reward.xp,
    badge: reward.badge,
    reason: `quest ${questKey} completion ${completion}`,
    source: { type: 'quest', questKey, completion },
  };
}

export interface RewardTotal {
  items: RewardItem[];
  xp: number;
  badge: string | null;
}

/** What a claim of several completions pays in total: amounts summed per currency, in first-seen order. */
export function sumRewards(rewards: RewardPayload[]): RewardTotal {
  const amounts = new Map<string, number>();
  let xp = 0;
  let badge: string | null = null;
  for (const reward of rewards) {
    for (const item of reward.items) amounts.set(item.currency, (amounts.get(item.currency) ?? 0) + item.amount);
    xp += reward.xp;
    badge = reward.badge ?? badge;
  }
  return { items: [...amounts].map(([currency, amount]) => ({ currency, amount })), xp, badge };
}
