import { sql, type RawBuilder } from 'kysely';
import { prepared, unnestColumns, type Executor } from '@questline/platform';
import type { QuestState } from '../domain/quest-state.js';
import type { Selectable } from 'kysely';
import type { ProgressDatabase, UserQuestsTable } from './schema.js';
import type { StoredProfile } from './profiles.repository.js';
import { insertEventsStatement, type NewEvent } from './events.repository.js';

// Namespace of the per-user advisory locks (the two-key form never collides with single-key locks).
const USER_LOCK_NAMESPACE = 8083;

/**
 * Serialises every state change of one user (events, claims) for the rest of the transaction,
 * including users who have no user_quests row yet, which SELECT ... FOR UPDATE could not lock.
 */
export async function lockUser(ex: Executor<ProgressDatabase>, userId: string): Promise<Date> {
  // now() is the transaction's clock, the same one that stamps events.received_at.
  const { rows } = await prepared(sql<{ now: Date }>`SELECT pg_advisory_xact_lock(${USER_LOCK_NAMESPACE}::int, hashtext(${userId})), now() AS now`).execute(ex);
  return rows[0]!.now;
}

/**
 * Locks several users for the rest of the transaction, one after the other in the order given
 * (callers sort the ids, so concurrent transactions lock in the same order). Returns the
 * transaction's clock.
 */
export async function lockUsers(ex: Executor<ProgressDatabase>, userIds: string[]): Promise<Date> {
  if (userIds.length === 1) return lockUser(ex, userIds[0]!);
  const { rows } = await prepared(sql<{ now: Date }>`
    SELECT now() AS now, count(pg_advisory_xact_lock(${USER_LOCK_NAMESPACE}::int, hashtext(u))) AS locked
    FROM unnest(${userIds}::text[]) AS u`).execute(ex);
  return rows[0]!.now;
}

// Every column a state is made of; updated_at is left out: no state needs it, and parsing a
// timestamp per row is paid on every read of a user's states (docs/BENCHMARKS.md, "Progress: measured choices").
const STATE_COLUMNS = [
  'user_id',
  'quest_key',
  'progress',
  'period_key',
  'period_zone',
  'completions',
  'claimed',
  'last_completed_period',
  'completed_period_zone',
  'streak_current',
  'streak_best',
  'streak_last_day',
  'streak_zone',
  'quest_version',
  'objective_sig',
  'counting_since',
  'counting_base',
] as const;

type StateRowColumns = Pick<Selectable<UserQuestsTable>, (typeof STATE_COLUMNS)[number]>;

function toState(row: StateRowColumns): QuestState {
  return {
    progress: row.progress,
    periodKey: row.period_key,
    periodZone: row.period_zone,
    completions: row.completions,
    claimed: row.claimed,
    lastCompletedPeriod: row.last_completed_period,
    completedZone: row.completed_period_zone,
    streakCurrent: row.streak_current,
    streakBest: row.streak_best,
    streakLastDay: row.streak_last_day,
    streakZone: row.streak_zone,
    questVersion: row.quest_version,
    objectiveFingerprint: row.objective_sig,
    countingSince: row.counting_since,
    countingBase: row.counting_base,
  };
}

/** All quest states of a user, by quest key. */
export async function listStates(ex: Executor<ProgressDatabase>, userId: string): Promise<Map<string, QuestState>> {
  const rows = await ex.selectFrom('user_quests').select(STATE_COLUMNS).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.quest_key, toState(r)]));
}

/** What readQuestList found: the profile, the list's version, and the states unless the caller already had that version. */
export interface QuestListRead {
  /** Null if progress has never heard of the user. */
  profile: Pick<StoredProfile, 'status' | 'timezone'> | null;
  /** The user's quest_list_versions number; 0 for a user without a state. */
  version: number;
  /** Empty, not read, when `version` is the one the caller said it knew. */
  states: Map<string, QuestState>;
}

/**
 * What a user's quest list needs, in one round trip: their stored profile, the version of their
 * states and, unless it is `knownVersion` (a list the caller already rendered), all their quest
 * states. One statement, so one snapshot: the version is the version of the states read with it.
 * A round trip costs more than the work of either query, so GET /me/quests makes one, not two.
 */
export async function readQuestList(ex: Executor<ProgressDatabase>, userId: string, knownVersion: number | null = null): Promise<QuestListRead> {
  const { rows } = await prepared(sql<StateRowColumns & { p_status: StoredProfile['status'] | null; p_timezone: string | null; list_version: number }>`
    SELECT p.status AS p_status, p.timezone AS p_timezone, coalesce(v.version, 0) AS list_version,
      ${sql.join(STATE_COLUMNS.map((c) => sql.ref(`q.${c}`)))}
    FROM (SELECT ${userId}::uuid AS id) AS me
    LEFT JOIN user_profiles p ON p.id = me.id
    LEFT JOIN quest_list_versions v ON v.user_id = me.id
    LEFT JOIN user_quests q ON q.user_id = me.id AND coalesce(v.version, 0) <> ${knownVersion ?? -1}::bigint`).execute(ex);
  const first = rows[0]!;
  const profile = first.p_status && first.p_timezone !== null ? { status: first.p_status, timezone: first.p_timezone } : null;
  // Without any state (or with the known version) the one row carries the profile and NULL quest columns.
  const states = new Map(rows.filter((r) => r.quest_key !== null).map((r) => [r.quest_key, toState(r)]));
  return { profile, version: first.list_version, states };
}

/** Which stored states a transaction reads: user id → the quest keys its events may touch. */
export type WantedStates = ReadonlyMap<string, Iterable<string>>;

/**
 * The wanted states' filter over user_quests: the users and the keys as index conditions (so the
 * plan, generic or not, reads the primary key, never the table), then the exact (user, key) pairs.
 */
function wantedFilter(wanted: WantedStates) {
  const pairUsers: string[] = [];
  const pairKeys: string[] = [];
  for (const [userId, keys] of wanted) {
    for (const key of keys) {
      pairUsers.push(userId);
      pairKeys.push(key);
    }
  }
  return sql`q.user_id = ANY(${[...new Set(pairUsers)]}::uuid[]) AND q.quest_key = ANY(${[...new Set(pairKeys)]}::text[])
    AND (q.user_id, q.quest_key) IN (SELECT * FROM unnest(${pairUsers}::uuid[], ${pairKeys}::text[]))`;
}

/** The wanted quest states of several users: user id → quest key → state (every wanted user has a map). */
export async function listStatesOf(ex: Executor<ProgressDatabase>, wanted: WantedStates): Promise<Map<string, Map<string, QuestState>>> {
  const byUser = new Map<string, Map<string, QuestState>>([...wanted.keys()].map((id) => [id, new Map()]));
  if (wanted.size === 0) return byUser;
  const { rows } = await prepared(sql<StateRowColumns>`
    SELECT ${sql.join(STATE_COLUMNS.map((c) => sql.ref(`q.${c}`)))} FROM user_quests q WHERE ${wantedFilter(wanted)}`).execute(ex);
  for (const r of rows) byUser.get(r.user_id)?.set(r.quest_key, toState(r));
  return byUser;
}

/**
 * Stores events and reads the wanted quest states in one round trip (after the users' locks: the
 * read's snapshot is taken once they are held). Returns the states as listStatesOf does and the
 * `userId + '\u0000' + id` keys of the events that were new, as insertEvents does. The events'
 * rows come back after the states' with only user_id and event_id set.
 */
export async function insertEventsReadingStates(
  ex: Executor<ProgressDatabase>,
  wanted: WantedStates,
  events: NewEvent[],
): Promise<{ states: Map<string, Map<string, QuestState>>; inserted: Set<string> }> {
  const insert = insertEventsStatement(events);
  if (!insert) return { states: await listStatesOf(ex, wanted), inserted: new Set() };
  const blanks = sql.raw(STATE_COLUMNS.slice(1).map(() => 'NULL').join(', '));
  const { rows } = await prepared(sql<StateRowColumns & { event_id: string | null }>`
    WITH ins AS (${insert})
    SELECT ${sql.join(STATE_COLUMNS.map((c) => sql.ref(`q.${c}`)))}, NULL::text AS event_id
    FROM user_quests q WHERE ${wantedFilter(wanted)}
    UNION ALL
    SELECT ins.user_id, ${blanks}, ins.id FROM ins`).execute(ex);
  const states = new Map<string, Map<string, QuestState>>([...wanted.keys()].map((id) => [id, new Map()]));
  const inserted = new Set<string>();
  for (const r of rows) {
    if (r.event_id !== null) inserted.add(`${r.user_id}\u0000${r.event_id}`);
    else states.get(r.user_id)?.set(r.quest_key, toState(r));
  }
  return { states, inserted };
}

export async function getStateForUpdate(ex: Executor<ProgressDatabase>, userId: string, questKey: string): Promise<QuestState | null> {
  const row = await ex
    .selectFrom('user_quests')
    .select(STATE_COLUMNS)
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .forUpdate()
    .executeTakeFirst();
  return row ? toState(row) : null;
}

export interface StateRow {
  userId: string;
  questKey: string;
  state: QuestState;
}

/**
 * Writes many states in one statement whatever their number: one array parameter per column,
 * unnested by PostgreSQL (a VALUES list would take 17 parameters a row, and a statement takes at
 * most 65,535, which a big batch over many quests reaches). Keys must be unique (callers pass each
 * user's changed quests once).
 */
export async function upsertStates(ex: Executor<ProgressDatabase>, rows: StateRow[]): Promise<void> {
  await upsertStatesStatement(rows)?.execute(ex);
}

/** The statement upsertStates runs (null for none), for a caller that combines statements. */
export function upsertStatesStatement(rows: StateRow[]): RawBuilder<unknown> | null {
  if (rows.length === 0) return null;
  const col = unnestColumns(rows);
  return sql`
    INSERT INTO user_quests (user_id, quest_key, progress, period_key, completions, claimed, last_completed_period,
      streak_current, streak_best, streak_last_day, quest_version, streak_zone, objective_sig, counting_since, counting_base, completed_period_zone, period_zone)
    SELECT * FROM unnest(
      ${col('uuid', (r) => r.userId)}, ${col('text', (r) => r.questKey)}, ${col('bigint', (r) => r.state.progress)},
      ${col('text', (r) => r.state.periodKey)}, ${col('int', (r) => r.state.completions)}, ${col('int', (r) => r.state.claimed)},
      ${col('text', (r) => r.state.lastCompletedPeriod)}, ${col('int', (r) => r.state.streakCurrent)}, ${col('int', (r) => r.state.streakBest)},
      ${col('date', (r) => r.state.streakLastDay)}, ${col('int', (r) => r.state.questVersion)}, ${col('text', (r) => r.state.streakZone)},
      ${col('text', (r) => r.state.objectiveFingerprint)}, ${col('timestamptz', (r) => r.state.countingSince)}, ${col('int', (r) => r.state.countingBase)},
      ${col('text', (r) => r.state.completedZone)}, ${col('text', (r) => r.state.periodZone)})
    ON CONFLICT (user_id, quest_key) DO UPDATE SET
      progress = excluded.progress, period_key = excluded.period_key, completions = excluded.completions,
      claimed = excluded.claimed, last_completed_period = excluded.last_completed_period,
      streak_current = excluded.streak_current, streak_best = excluded.streak_best, streak_last_day = excluded.streak_last_day,
      quest_version = excluded.quest_version, streak_zone = excluded.streak_zone, objective_sig = excluded.objective_sig,
      counting_since = excluded.counting_since, counting_base = excluded.counting_base,
      completed_period_zone = excluded.completed_period_zone, period_zone = excluded.period_zone, updated_at = now()`;
}

export async function addClaimed(ex: Executor<ProgressDatabase>, userId: string, questKey: string, count: number): Promise<void> {
  await ex
    .updateTable('user_quests')
    .set((eb) => ({ claimed: eb('claimed', '+', count), updated_at: sql<Date>`now()` }))
    .where('user_id', '=', userId)
    .where('quest_key', '=', questKey)
    .execute();
}
