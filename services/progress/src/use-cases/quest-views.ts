import type { Kysely } from 'kysely';
import type { ProgressDatabase } from '../db/schema.js';
import type { CatalogSnapshot } from '../clients/catalog-cache.js';
import { listStates } from '../db/user-quests.repository.js';
import { buildQuestView, type QuestView } from '../domain/quest-view.js';
import type { QuestState } from '../domain/evaluate.js';

/** The view of every published quest for one user, from stored states. */
export function viewsFromStates(catalog: CatalogSnapshot, states: Map<string, QuestState>, timezone: string, now: Date): QuestView[] {
  const ctx = { now, timezone, completionsOf: (key: string) => states.get(key)?.completions ?? 0 };
  return catalog.quests.map((quest) => buildQuestView(quest, states.get(quest.key) ?? null, ctx));
}

export async function questViewsFor(db: Kysely<ProgressDatabase>, catalog: CatalogSnapshot, userId: string, timezone: string): Promise<QuestView[]> {
  const states = await listStates(db, userId);
  return viewsFromStates(catalog, states, timezone, new Date());
}
