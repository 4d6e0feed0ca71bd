import type { Kysely } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogSnapshot } from '../clients/catalog-cache.js';
import { listStates, readQuestList } from '../db/user-quests.repository.js';
import { buildQuestView, buildRetiredView, type QuestView } from '../domain/quest-view.js';
import type { QuestState } from '../domain/evaluate.js';

/**
 * The view of every published quest for one user, from stored states, then of every archived quest
 * they still have unclaimed completions on (so that an archive never hides an earned reward). A
 * quest unknown to the catalog copy altogether has no display fields and is not listed (it can still
 * be claimed).
 */
export function viewsFromStates(catalog: CatalogSnapshot, states: Map<string, QuestState>, timezone: string, now: Date): QuestView[] {
  const ctx = { now, timezone, completionsOf: (key: string) => states.get(key)?.completions ?? 0 };
  const views = catalog.quests.map((quest) => buildQuestView(quest, states.get(quest.key) ?? null, ctx));
  const retired: QuestView[] = [];
  for (const [key, state] of states) {
    if (state.completions <= state.claimed || catalog.byKey.has(key)) continue;
    const quest = catalog.retiredByKey.get(key);
    if (quest) retired.push(buildRetiredView(quest, state));
  }
  retired.sort((a, b) => (a.quest.key < b.quest.key ? -1 : 1));
  return views.concat(retired);
}

export async function questViewsFor(db: Kysely<ProgressDatabase>, catalog: CatalogSnapshot, userId: string, timezone: string): Promise<QuestView[]> {
  const states = await listStates(db, userId);
  return viewsFromStates(catalog, states, timezone, new Date());
}

export type CallerQuestViews = { kind: 'banned' } | { kind: 'unknown-user' } | { kind: 'listed'; items: QuestView[] };

/**
 * GET /me/quests from progress's own data alone, in one query: the stored profile (pushed by auth;
 * its status and timezone win over the token's) and the quest states. 'unknown-user' when progress
 * has no profile: only auth can then say whether the user exists.
 */
export async function callerQuestViews(db: Kysely<ProgressDatabase>, catalog: CatalogSnapshot, caller: { id: string; timezone: string }): Promise<CallerQuestViews> {
  const { profile, states } = await readQuestList(db, caller.id);
  if (!profile) return { kind: 'unknown-user' };
  if (profile.status === 'banned') return { kind: 'banned' };
  return { kind: 'listed', items: viewsFromStates(catalog, states, profile.timezone, new Date()) };
}
