import type { Kysely } from 'kysely';
import type { PublishedQuest } from '@questline/contracts';
import type { ProgressDatabase } from '../db/schema.js';
import { requireCatalog, type CatalogCache, type CatalogSnapshot } from '../clients/catalog-cache.js';
import type { UserDirectory } from '../clients/user-directory.js';
import { listStates, readQuestList } from '../db/user-quests.repository.js';
import { questListValidUntil } from '../domain/quest-list-validity.js';
import { isPlayerReportable } from '../domain/event-trust.js';
import { unmetPrerequisites } from '../domain/prerequisites.js';
import { buildArchivedView, buildQuestView, viewContext, type QuestView } from '../domain/quest-view.js';
import type { QuestState } from '../domain/quest-state.js';
import { findUser } from './require-player.use-case.js';
import type { QuestListCache } from './quest-list-cache.js';
import type { ProgressCounters } from '../progress-metrics.js';

/**
 * A quest as /me/quests lists it: the view, with what a player's screen needs to explain it (what
 * to do, what it pays, what keeps it locked) and whether the player may report its objective's
 * events themselves. An archived quest listed for its unclaimed completions has no objective and
 * no reward any more (the catalog keeps only its display fields).
 */
export type ListedQuestView = QuestView & {
  objective: PublishedQuest['objective'] | null;
  reward: { name: string; items: { currency: string; amount: number }[]; xp: number; badge: string | null } | null;
  lockedBy: { key: string; name: string }[];
  startsAt: string | null;
  endsAt: string | null;
  reportable: boolean;
};

function explained(catalog: CatalogSnapshot, quest: PublishedQuest, completionsOf: (key: string) => number) {
  const { name, items, xp, badge } = quest.reward;
  return {
    objective: quest.objective,
    reward: { name, items, xp, badge },
    lockedBy: unmetPrerequisites(quest, completionsOf).map((key) => ({ key, name: catalog.byKey.get(key)?.name ?? catalog.archivedByKey.get(key)?.name ?? key })),
    startsAt: quest.startsAt,
    endsAt: quest.endsAt,
    reportable: isPlayerReportable(catalog.eventTypes.get(quest.objective.event), quest.objective.event),
  };
}

const retired = (): Omit<ListedQuestView, keyof QuestView> => ({ objective: null, reward: null, lockedBy: [], startsAt: null, endsAt: null, reportable: false });

/**
 * The view of every published quest for one user, from stored states, then of every archived quest
 * they still have unclaimed completions on (so that an archive never hides an earned reward). A
 * quest unknown to the catalog copy altogether has no display fields and is not listed (it can still
 * be claimed).
 */
export function viewsFromStates(catalog: CatalogSnapshot, states: Map<string, QuestState>, timezone: string, now: Date, only?: ReadonlySet<string>): ListedQuestView[] {
  const ctx = viewContext(now, timezone, (key) => states.get(key)?.completions ?? 0);
  // `only`: the live feed's changed quests, in the list's order, without building the others.
  const quests = only ? catalog.quests.filter((q) => only.has(q.key)) : catalog.quests;
  // Assigned onto the built view rather than spread into a new object: the spread of two objects
  // into one made each list ~80 % more expensive to build (measured, 50 quests: 567 vs 308 µs).
  const views: ListedQuestView[] = quests.map((quest) => Object.assign(buildQuestView(quest, states.get(quest.key) ?? null, ctx), explained(catalog, quest, ctx.completionsOf)));
  const archived: ListedQuestView[] = [];
  for (const [key, state] of states) {
    if (state.completions <= state.claimed || catalog.byKey.has(key) || (only && !only.has(key))) continue;
    const quest = catalog.archivedByKey.get(key);
    if (quest) archived.push(Object.assign(buildArchivedView(quest, state), retired()));
  }
  archived.sort((a, b) => (a.quest.key < b.quest.key ? -1 : 1));
  return views.concat(archived);
}

export type UserQuestViews = { kind: 'unknown-user' } | { kind: 'listed'; items: ListedQuestView[] };

/**
 * Any user's views (the admin route): from the stored profile; only for a user progress has never
 * heard of is auth asked, so that an unknown id is reported only when auth does not know it either.
 */
export async function userQuestViews(
  deps: { db: Kysely<ProgressDatabase>; catalog: CatalogCache; users: UserDirectory },
  userId: string,
  requestId?: string,
): Promise<UserQuestViews> {
  const user = await findUser(deps.users, userId, requestId);
  if (!user) return { kind: 'unknown-user' };
  const catalog = requireCatalog(deps.catalog);
  const states = await listStates(deps.db, user.id);
  return { kind: 'listed', items: viewsFromStates(catalog, states, user.timezone, new Date()) };
}

export type CallerQuestViews = { kind: 'banned' } | { kind: 'unknown-user' } | { kind: 'listed'; items: ListedQuestView[] };

/**
 * GET /me/quests in one query of progress's own data: the stored profile (pushed by auth; its
 * status and timezone win over the token's) and the quest states. Only a user progress has no
 * profile of is looked up in auth (stored then; 503 while auth is down): 'unknown-user' when auth
 * does not know them either.
 */
export async function callerQuestViews(
  deps: { db: Kysely<ProgressDatabase>; catalog: CatalogCache; users: UserDirectory },
  callerId: string,
  requestId?: string,
): Promise<CallerQuestViews> {
  const catalog = requireCatalog(deps.catalog);
  const { profile, states } = await readQuestList(deps.db, callerId);
  if (profile) {
    if (profile.status === 'banned') return { kind: 'banned' };
    return { kind: 'listed', items: viewsFromStates(catalog, states, profile.timezone, new Date()) };
  }
  return viewsWithoutProfile(deps.users, catalog, callerId, requestId);
}

/**
 * A caller progress has no stored profile of: auth is asked (and its answer stored), so a token
 * whose user does not exist is refused as on every other /me route; a user who exists simply has
 * no quest state yet.
 */
async function viewsWithoutProfile(users: UserDirectory, catalog: CatalogSnapshot, callerId: string, requestId?: string): Promise<CallerQuestViews> {
  const user = await findUser(users, callerId, requestId);
  if (!user) return { kind: 'unknown-user' };
  if (user.status === 'banned') return { kind: 'banned' };
  return { kind: 'listed', items: viewsFromStates(catalog, new Map(), user.timezone, new Date()) };
}

/**
 * A body in memory of its own: Buffer.from puts small buffers in shared 8 KB slabs, which a kept
 * list would hold alive while the memory bound counts only its own bytes.
 */
function bodyBuffer(json: string): Buffer {
  const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
  buf.write(json);
  return buf;
}

export type CallerQuestList = { kind: 'banned' } | { kind: 'unknown-user' } | { kind: 'listed'; body: string | Buffer };

/**
 * GET /me/quests as a rendered body (`render`: the route's serializer), from this replica's cache
 * when the read of this request says the user's states are still those it was rendered from, and
 * their zone and the catalog revision the same; otherwise rendered from the states read in that same
 * statement, and remembered. A hit costs the one round trip and no rendering.
 */
export async function callerQuestList(
  deps: { db: Kysely<ProgressDatabase>; catalog: CatalogCache; users: UserDirectory; questLists: QuestListCache; counters: ProgressCounters },
  callerId: string,
  render: (items: ListedQuestView[]) => string,
  requestId?: string,
): Promise<CallerQuestList> {
  const catalog = requireCatalog(deps.catalog);
  const known = deps.questLists.lookup(callerId, catalog.revision);
  const read = await readQuestList(deps.db, callerId, known?.version ?? null);
  const { profile } = read;
  if (!profile) {
    // Not kept: the next read finds the profile auth's answer stored.
    const result = await viewsWithoutProfile(deps.users, catalog, callerId, requestId);
    return result.kind === 'listed' ? { kind: 'listed', body: render(result.items) } : result;
  }
  if (profile.status === 'banned') return { kind: 'banned' };
  const now = new Date();
  if (known && read.version === known.version && known.timezone === profile.timezone) {
    deps.counters.questListReads.inc({ result: 'hit' });
    return { kind: 'listed', body: known.body };
  }
  // The zone changed since the kept copy (its version matched, so the states were not read): read
  // them, with their version, in one statement again.
  const { version, states } = known && read.version === known.version ? await readQuestList(deps.db, callerId) : read;
  const body = bodyBuffer(render(viewsFromStates(catalog, states, profile.timezone, now)));
  deps.counters.questListReads.inc({ result: 'rendered' });
  // Version 0 is a user without a version row: their states (if any, from before migration 010)
  // change without drawing a number until their first write, so such a list is not kept.
  if (version > 0) {
    const until = questListValidUntil(catalog.quests, states, profile.timezone, now);
    deps.questLists.remember(callerId, { version, timezone: profile.timezone, revision: catalog.revision, body }, until);
  }
  return { kind: 'listed', body };
}
