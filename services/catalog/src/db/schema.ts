import type { ColumnType, Generated } from 'kysely';
import type { Objective } from '@questline/contracts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: read as parsed JSON, written as a JSON string (pg would turn arrays into SQL arrays). */
type Json<T> = ColumnType<T, string, string>;

export interface CurrencyTable {
  code: string;
  name: string;
  created_at: Timestamp;
}

export interface RewardTable {
  id: Generated<string>;
  name: string;
  xp: Generated<number>;
  badge: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RewardItemTable {
  reward_id: string;
  position: number;
  currency: string;
  amount: number;
}

export type QuestStatus = 'draft' | 'published' | 'archived';
export type QuestRepeat = 'none' | 'daily' | 'weekly';

export interface QuestTable {
  id: Generated<string>;
  key: string;
  name: string;
  description: string;
  tags: string[];
  status: QuestStatus;
  version: number;
  objective: Json<Objective>;
  reward_id: string;
  auto_claim: boolean;
  max_completions: number | null;
  repeat: QuestRepeat;
  starts_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  ends_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  prerequisites: string[];
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CatalogRevisionTable {
  id: boolean;
  revision: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor_id: string;
  action: string;
  entity: string;
  entity_key: string;
  at: Timestamp;
  details: Json<Record<string, unknown>>;
}

export interface EventTypeTable {
  type: string;
  description: string;
  player_reportable: boolean;
  max_value: number | null;
  player_daily_limit: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CatalogDatabase {
  currencies: CurrencyTable;
  rewards: RewardTable;
  reward_items: RewardItemTable;
  quests: QuestTable;
  catalog_revision: CatalogRevisionTable;
  audit_log: AuditLogTable;
  event_types: EventTypeTable;
}
