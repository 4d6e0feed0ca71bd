import type { InternalUser } from '@questline/contracts';
import { isUuid, type Role, type UserStatus } from '@questline/platform';

/** A stored user as the domain reads it (the repositories' rows have this shape). */
export interface UserRecord {
  id: string;
  username: string;
  /** null: created by external id, no password login. */
  password_hash: string | null;
  external_id: string | null;
  role: Role;
  status: UserStatus;
  timezone: string;
  xp: number;
  badges: string[];
  created_at: Date;
  last_login_at: Date | null;
  profile_version: number;
}

/** Amount per currency code. */
export type Balances = Record<string, number>;

export type UserBalances = { gold: number; diamond: number; [currency: string]: number };

export interface UserView {
  id: string;
  username: string;
  externalId: string | null;
  role: Role;
  status: UserStatus;
  timezone: string;
  balances: UserBalances;
  xp: number;
  badges: string[];
  createdAt: string;
  lastLoginAt: string | null;
}

export function toUserView(row: UserRecord, balances: Balances = {}): UserView {
  const all: UserBalances = { gold: 0, diamond: 0, ...balances };
  return {
    id: row.id,
    username: row.username,
    externalId: row.external_id,
    role: row.role,
    status: row.status,
    timezone: row.timezone,
    balances: all,
    xp: row.xp,
    badges: row.badges,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at ? row.last_login_at.toISOString() : null,
  };
}

const SORT_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Every row we page over was created after 1970, and PostgreSQL's timestamptz refuses year 0000
 * (there is no year zero): a cursor outside 1970–9999 cannot be one we issued, so it is a 400
 * here rather than a 500 from the database.
 */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

function isRealInstant(text: string): boolean {
  const year = Number(text.slice(0, 4));
  if (year < MIN_YEAR || year > MAX_YEAR) return false;
  // Round-tripping rejects impossible dates (Feb 30) that the database would refuse with a 500.
  const millis = `${text.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}

/** Cursors are [created_at with microseconds, id]; anything else is a client error, not a 500. */
export function isKeysetCursor(value: unknown): value is [string, string] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    SORT_TS.test(value[0]) &&
    isRealInstant(value[0]) &&
    isUuid(value[1])
  );
}

/** What other services may know about a user (GET /internal/users/:id). */
export function toInternalUser(user: UserRecord): InternalUser {
  return { id: user.id, username: user.username, externalId: user.external_id, role: user.role, status: user.status, timezone: user.timezone };
}
