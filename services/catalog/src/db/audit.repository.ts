import type { Executor } from '@questline/platform';
import type { CatalogDatabase } from './schema.js';

type Db = Executor<CatalogDatabase>;

export interface AuditEntryInput {
  actorId: string;
  action: string;
  entity: 'quest' | 'reward' | 'currency' | 'event_type';
  entityKey: string;
  details: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryInput {
  id: number;
  at: string;
}

export async function insertAudit(db: Db, e: AuditEntryInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ actor_id: e.actorId, action: e.action, entity: e.entity, entity_key: e.entityKey, details: JSON.stringify(e.details) })
    .execute();
}

/**
 * Entries written before API keys named their actor's kind hold a bare user id: they were all
 * admins' tokens, so they read as `user:<id>` like the entries written since.
 */
const actorIdOf = (stored: string): string => (stored.includes(':') ? stored : `user:${stored}`);

/** Newest first; keyset on the identity column. */
export async function listAudit(db: Db, q: { beforeId?: number; entity?: string; entityKey?: string; limit: number }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  if (q.entity !== undefined) query = query.where('entity', '=', q.entity);
  if (q.entityKey !== undefined) query = query.where('entity_key', '=', q.entityKey);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    actorId: actorIdOf(r.actor_id),
    action: r.action,
    entity: r.entity as AuditEntry['entity'],
    entityKey: r.entity_key,
    at: r.at.toISOString(),
    details: r.details,
  }));
}
