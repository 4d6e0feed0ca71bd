import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { GrantRequest } from '@questline/contracts';
import { sqlOutboxStore, unnestColumns, type Executor, type OutboxStore } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

/** Queues grants in one statement (one array parameter per column); a key already queued is kept as it is. */
export async function enqueueGrants(ex: Executor<ProgressDatabase>, grants: GrantRequest[]): Promise<void> {
  await enqueueGrantsStatement(grants)?.execute(ex);
}

/** The statement enqueueGrants runs (null for none), for a caller that combines statements. */
export function enqueueGrantsStatement(grants: GrantRequest[]): RawBuilder<unknown> | null {
  if (grants.length === 0) return null;
  const col = unnestColumns(grants);
  return sql`
    INSERT INTO grant_outbox (user_id, quest_key, completion, idempotency_key, payload)
    SELECT u, k, c, i, p::jsonb FROM unnest(
      ${col('uuid', (g) => g.userId)}, ${col('text', (g) => g.source.questKey ?? '')}, ${col('int', (g) => g.source.completion ?? 0)},
      ${col('text', (g) => g.idempotencyKey)}, ${col('text', (g) => JSON.stringify(g))}
    ) AS t(u, k, c, i, p)
    ON CONFLICT (idempotency_key) DO NOTHING`;
}

export interface PendingGrant {
  id: string;
  payload: GrantRequest;
  attempts: number;
  created_at: Date;
}

/** The grant outbox as the platform relay sees it: leased claims, settled in one statement. */
export function grantOutboxStore(db: Kysely<ProgressDatabase>): OutboxStore<PendingGrant> {
  return sqlOutboxStore<PendingGrant>(db, { table: 'grant_outbox', createdColumn: 'created_at' });
}
