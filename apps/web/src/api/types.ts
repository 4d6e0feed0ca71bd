/**
 * The shapes of the public API the web app reads and sends. They come from @questline/sdk, whose
 * types are generated from the gateway's OpenAPI document: a changed route or schema shows up here
 * at the next `npm run sdk:generate`, instead of in a copy that drifts. Only names for parts of
 * those shapes, and the UI's own types, are written here.
 */
import type { Quest, QuestView, Reward, User } from '@questline/sdk';

export type { ApiKey, Balances, ClaimResult, Currency, EventResult, LedgerEntry, LoginResult, Quest, QuestDefinition, QuestView, Reward, User, Webhook, WebhookDelivery } from '@questline/sdk';

export type Role = User['role'];
export type UserStatus = User['status'];
export type QuestStatus = Quest['status'];
export type Objective = Quest['objective'];
export type ObjectiveMode = Objective['mode'];
export type Repeat = Quest['repeat'];
export type RewardItem = Reward['items'][number];
export type QuestViewStatus = QuestView['status'];

/** Every list of the API: one page of items and the cursor of the next (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
