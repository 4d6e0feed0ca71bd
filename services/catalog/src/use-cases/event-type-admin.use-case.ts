import { insertAudit } from '../db/audit.repository.js';
import { findDeclaredEventType, listDeclaredEventTypes, questKeysByEventType, upsertEventType } from '../db/event-type.repository.js';
import { bumpRevision } from '../db/revision.repository.js';
import { inWriteTransaction } from '../db/transaction.js';
import { checkDeclaration, eventTypeViews, sameSettings, type EventTypeSettings, type EventTypeView } from '../domain/event-type.js';
import { success, type Outcome } from '../domain/outcome.js';
import type { Actor, CatalogContext } from '../context.js';

export async function listEventTypes(ctx: CatalogContext): Promise<EventTypeView[]> {
  const [declared, usedBy] = await Promise.all([listDeclaredEventTypes(ctx.db), questKeysByEventType(ctx.db)]);
  return eventTypeViews(declared, usedBy);
}

/**
 * Declares an event type or replaces its declaration (PUT: omitted optional fields go back to
 * their defaults). A change bumps the catalog revision in the same transaction, so progress's next
 * poll of the feed carries it; an unchanged declaration writes nothing.
 */
export async function declareEventType(ctx: CatalogContext, actor: Actor, type: string, input: EventTypeSettings): Promise<Outcome<EventTypeView>> {
  const checked = checkDeclaration(type, input);
  if (!checked.ok) return checked;
  const settings = checked.value;
  let changed = false;
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<EventTypeView>> => {
    const before = await findDeclaredEventType(trx, type);
    let stored = before;
    if (!before || !sameSettings(before, settings)) {
      stored = await upsertEventType(trx, type, settings);
      await bumpRevision(trx);
      const previous = before && { description: before.description, playerReportable: before.playerReportable, maxValue: before.maxValue, playerDailyLimit: before.playerDailyLimit };
      await insertAudit(trx, {
        actorId: actor.id,
        action: before ? 'event_type.update' : 'event_type.declare',
        entity: 'event_type',
        entityKey: type,
        details: { ...settings, ...(previous ? { previous } : {}) },
      });
      changed = true;
    }
    const usedBy = (await questKeysByEventType(trx)).get(type) ?? [];
    return success(eventTypeViews([stored!], new Map([[type, usedBy]]))[0]!);
  });
  if (changed) ctx.recordChange('event_type.declare');
  return result;
}
