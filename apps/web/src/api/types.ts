/** The shapes of the public API (docs/api.md) that the web app reads and sends. */

export type Role = 'player' | 'admin';
export type UserStatus = 'new' | 'active' | 'banned';

export interface User {
  id: string;
  username: string;
  role: Role;
  status: UserStatus;
  timezone: string;
  balances: Record<string, number>;
  xp: number;
  badges: string[];
  createdAt: string;
  lastLoginAt: string | null;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LedgerEntry {
  id: string;
  currency: string;
  amount: number;
  reason: string;
  source: { type: string; questKey?: string; completion?: number };
  createdAt: string;
}

export type ObjectiveMode = 'count' | 'sum' | 'streak';
export type Repeat = 'none' | 'daily' | 'weekly';
export type QuestStatus = 'draft' | 'published' | 'archived';

export interface Objective {
  event: string;
  mode: ObjectiveMode;
  target: number;
  filter?: Record<string, string | number | boolean>;
}

export interface Quest {
  id: string;
  key: string;
  name: string;
  description: string;
  tags: string[];
  status: QuestStatus;
  version: number;
  objective: Objective;
  rewardId: string;
  autoClaim: boolean;
  maxCompletions: number | null;
  repeat: Repeat;
  startsAt: string | null;
  endsAt: string | null;
  prerequisites: string[];
  createdAt: string;
  updatedAt: string;
}

/** What an admin sends to create or replace a quest (no id/status/version). */
export type QuestDefinition = Omit<Quest, 'id' | 'status' | 'version' | 'createdAt' | 'updatedAt'>;

export interface RewardItem {
  currency: string;
  amount: number;
}

export interface Reward {
  id: string;
  name: string;
  items: RewardItem[];
  xp: number;
  badge: string | null;
}

export type QuestViewStatus = 'locked' | 'active' | 'claimable' | 'completed' | 'maxed';

export interface QuestView {
  quest: { key: string; name: string; description: string; tags: string[] };
  status: QuestViewStatus;
  progress: number;
  target: number;
  completions: number;
  maxCompletions: number | null;
  streak: { current: number; best: number; lastDay: string | null } | null;
  periodEndsAt: string | null;
  claimable: number;
  /** What to do; null for an archived quest listed for its unclaimed completions. */
  objective: Objective | null;
  /** What each completion pays; null for an archived quest. */
  reward: { name: string; items: RewardItem[]; xp: number; badge: string | null } | null;
  /** The prerequisites not completed yet. */
  lockedBy: { key: string; name: string }[];
  startsAt: string | null;
  endsAt: string | null;
  /** Whether the player may report the objective's event themselves; other types come from the product's server. */
  reportable: boolean;
}

export interface EventResult {
  eventId: string;
  duplicate: boolean;
  updates: { questKey: string; status: QuestViewStatus; progress: number; target: number }[];
  completed: string[];
  rewarded: { questKey: string; items: RewardItem[] }[];
}

export interface ClaimResult {
  rewarded: { items: RewardItem[]; xp: number; badge: string | null };
}

export interface ApiErrorBody {
  error: { code: string; message: string; requestId?: string; field?: string };
}

/** api.md v1.2 `webhook`. */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One message to one webhook (api.md v1.2, the delivery log). */
export interface WebhookDelivery {
  id: string;
  messageId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
