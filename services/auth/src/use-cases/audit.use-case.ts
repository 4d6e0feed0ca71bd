import type { AuthContext } from './auth-context.js';
import { listAudit, type AuditEntry } from '../db/audit.repository.js';
import type { AuditEntity } from '../db/schema.js';

/** The accounts audit, newest first (the caller asks for one more row than it shows). */
export function auditPage(ctx: AuthContext, q: { beforeId?: number; entity?: AuditEntity; entityKey?: string; limit: number }): Promise<AuditEntry[]> {
  return listAudit(ctx.db, q);
}
