import type { ColumnType, Generated, Selectable } from 'kysely';
import type { ThrottleScope } from '../domain/login-throttle.js';

export type { ThrottleScope };

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type Role = 'player' | 'admin';
export type UserStatus = 'new' | 'active' | 'banned';
export type SourceType = 'quest' | 'admin' | 'debit';

export interface UsersTable {
  id: Generated<string>;
  username: string;
  /** NULL for a user created by external id: no password login. */
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** The product's own id for the user (api.md v1.1); NULL for users who signed up here. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  role: ColumnType<Role, Role | undefined, Role>;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  timezone: ColumnType<string, string | undefined, string>;
  xp: Generated<number>;
  badges: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
  last_login_at: NullableTimestamp;
  /** Grows with every change of status, role or timezone; orders the profile updates progress gets. */
  profile_version: ColumnType<number, number | undefined, number>;
  /** The player's own last timezone change (PATCH /me); admins' and servers' changes leave it alone. */
  timezone_changed_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface RefreshTokensTable {
  id: Generated<string>;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface BalancesTable {
  user_id: string;
  currency: string;
  amount: number;
}

export interface GrantsTable {
  id: Generated<string>;
  idempotency_key: string;
  user_id: string;
  request_hash: string;
  xp: Generated<number>;
  badge: string | null;
  granted_by: string | null;
  /** `user:<id>` or `key:<id>`: who ordered an admin grant or a debit; NULL for quest rewards. */
  actor: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface LedgerEntriesTable {
  id: Generated<string>;
  grant_id: string;
  user_id: string;
  currency: string;
  amount: number;
  reason: string;
  source_type: SourceType;
  quest_key: string | null;
  completion: number | null;
  idempotency_key: string;
  position: Generated<number>;
  created_at: Timestamp;
}

export type OutboxKind = 'login' | 'profile';

export interface OutboxTable {
  id: Generated<string>;
  user_id: string;
  kind: OutboxKind;
  occurred_at: Timestamp;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  delivered_at: NullableTimestamp;
  last_error: string | null;
  /** Set by a relay's claim; the row is someone's until then. */
  lease_until: NullableTimestamp;
  /** When the latest attempt was claimed. */
  last_attempt_at: NullableTimestamp;
  /** Refused for good by progress (the error in last_error); never retried. */
  dead_at: NullableTimestamp;
}

export interface LoginFailuresTable {
  scope: ThrottleScope;
  key: string;
  window_start: Timestamp;
  failures: ColumnType<number, number | undefined, number>;
  last_attempt_at: Timestamp;
}

export interface StreamTicketsTable {
  ticket_hash: Buffer;
  user_id: string;
  expires_at: Timestamp;
}

export type AuditEntity = 'api_key' | 'user' | 'wallet' | 'webhook';

export interface AuditLogTable {
  id: Generated<number>;
  actor_id: string;
  action: string;
  entity: AuditEntity;
  entity_key: string;
  at: Timestamp;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  prefix: string;
  secret_hash: Buffer;
  scopes: string[];
  created_by: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}
export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface WebhookEndpointsTable {
  id: Generated<string>;
  url: string;
  events: string[];
  description: ColumnType<string, string | undefined, string>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: string | null;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: NullableTimestamp;
  failing_since: NullableTimestamp;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface WebhookMessagesTable {
  id: string;
  type: string;
  body: string;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  endpoint_id: string;
  message_id: string;
  created_at: Timestamp;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: NullableTimestamp;
  last_attempt_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  dead_at: NullableTimestamp;
  last_error: string | null;
  last_status_code: number | null;
  last_response: string | null;
}

export interface AuthDatabase {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  balances: BalancesTable;
  grants: GrantsTable;
  ledger_entries: LedgerEntriesTable;
  outbox: OutboxTable;
  login_failures: LoginFailuresTable;
  stream_tickets: StreamTicketsTable;
}

export type UserRow = Selectable<UsersTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;
export type OutboxRow = Selectable<OutboxTable>;
