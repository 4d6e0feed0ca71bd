import { ExpiringMemory } from '@questline/platform';

/** A GET /me/quests body as rendered, and what it was rendered from. */
export interface RenderedQuestList {
  /** The user's quest_list_versions number the states were read at. */
  version: number;
  timezone: string;
  /** The catalog revision it was rendered with. */
  revision: string;
  /** The JSON body; a Buffer, outside V8's heap, whose bytes are what the memory bound counts. */
  body: Buffer;
}

// What an entry costs besides its body: the record, the key, the map's slot (an estimate).
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * This replica's rendered quest lists, by user. An entry is only ever served after the database has
 * said, in the read of that request, that the user's states are still of its version (any write of
 * them draws a new one in its own transaction): so a list is never older than the last committed
 * change, whichever replica made it. It also ends with its catalog revision and at the first instant
 * its clock-dependent parts would change (domain/quest-list-validity.ts).
 */
export class QuestListCache {
  private readonly memory: ExpiringMemory<string, RenderedQuestList>;

  /** At most maxBytes of bodies (0 turns it off), the oldest dropped first. */
  constructor(maxBytes: number, now: () => number = Date.now) {
    this.memory = new ExpiringMemory(maxBytes > 0 ? Number.MAX_SAFE_INTEGER : 0, now, { max: maxBytes, of: (list) => list.body.length + ENTRY_OVERHEAD_BYTES });
  }

  /** Bytes of the lists kept. */
  get bytes(): number {
    return this.memory.totalWeight;
  }

  /** The remembered list of a user, if rendered with this catalog revision and not yet ended. */
  lookup(userId: string, revision: string): RenderedQuestList | undefined {
    const hit = this.memory.get(userId);
    return hit && hit.revision === revision ? hit : undefined;
  }

  remember(userId: string, list: RenderedQuestList, until: number): void {
    this.memory.set(userId, list, until);
  }
}
