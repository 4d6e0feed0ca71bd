import { sql, type Kysely } from 'kysely';
import type { GrantRequest } from '@questline/contracts';
import { sqlOutboxStore, type Executor, type OutboxStore } from '@questline/platform';
import type { ProgressDatabase } from './schema.js';

/** Queues grants in one statement (one array parameter per column); a key already queued is kept as it is. */
export async function enqueueGrants(ex: Executor<ProgressDatabase>, grants: GrantRequest[]): Promise<void> {
  if (grants.length === 0) return;
  const col = <T>(pick: (g: GrantRequest) => T): T[] => grants.map(pick);
  await sql`
    INSERT INTO grant_outbox (user_id, quest_key, completion, idempotency_key, payload)
    SELECT u, k, c, i, p::jsonb FROM unnest(
      ${col((g) => g.userId)}::uuid[], ${col((g) => g.source.questKey ?? '')}::text[], ${col((g) => g.source.completion ?? 0)}::int[],
      ${col((g) => g.idempotencyKey)}::text[], ${col((g) => JSON.stringify(g))}::text[]
    ) AS t(u, k, c, i, p)
    ON CONFLICT (idempotency_key) DO NOTHING`.execute(ex);
}

export function enqueueGrant(ex: Executor<ProgressDatabase>, grant: GrantRequest): Promise<void> {
  return enqueueGrants(ex, [grant]);
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
