import type { Executor } from '@questline/platform';
import type { AuditEntity, AuthDatabase } from './schema.js';

type Db = Executor<AuthDatabase>;

export interface AuditEntryInput {
  /** `user:<id>` or `key:<id>` (platform's actorOf). */
  actorId: string;
  action: string;
  entity: AuditEntity;
  entityKey: string;
  /** Never a secret. */
  details: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryInput {
  id: number;
  at: string;
}

/** Written in the same transaction as the change it records. */
export async function insertAudit(db: Db, e: AuditEntryInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ actor_id: e.actorId, action: e.action, entity: e.entity, entity_key: e.entityKey, details: JSON.stringify(e.details) })
    .execute();
}

/** Newest first; keyset on the identity column. */
export async function listAudit(db: Db, q: { beforeId?: number; entity?: AuditEntity; entityKey?: string; limit: number }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  if (q.entity !== undefined) query = query.where('entity', '=', q.entity);
  if (q.entityKey !== undefined) query = query.where('entity_key', '=', q.entityKey);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    actorId: r.actor_id,
    action: r.action,
    entity: r.entity,
    entityKey: r.entity_key,
    at: r.at.toISOString(),
    details: r.details,
  }));
}
