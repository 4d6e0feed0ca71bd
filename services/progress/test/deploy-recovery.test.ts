/**
 * docs/deploy.md gives operators one SQL transaction for a rollout done the wrong way round (progress
 * sending grants with their webhook message to an auth that refuses the field): it moves the
 * messages of the waiting grants into the webhook outbox and strips them from the grants. Run here,
 * as written in the document, on progress's migrated schema, so the document cannot rot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '@questline/devstack';
import { createTestDatabase, type TestDatabase } from '@questline/testkit';
import { runMigrations } from '../src/db/migrations.js';

let database: TestDatabase;
let client: pg.Client;

before(async () => {
  database = await createTestDatabase('deploy_recovery');
  await runMigrations({ DATABASE_URL: database.url });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
after(async () => {
  await client?.end();
  await database?.drop();
});

test("deploy.md's recovery moves the waiting grants' messages to the webhook outbox and leaves the grants sendable", async () => {
  const doc = await readFile(path.join(repoRoot, 'docs/deploy.md'), 'utf8');
  const recovery = /```sql\n(BEGIN;\nINSERT INTO webhook_outbox[\s\S]*?COMMIT;)\n```/.exec(doc)?.[1];
  assert.ok(recovery, 'the recovery block is in docs/deploy.md');

  const at = '2026-03-04T05:06:07.000Z';
  const grant = (userId: string, completion: number, delivered: boolean) => {
    const message = { id: randomUUID(), type: 'quest.completed', at, data: { userId, questKey: 'q', completion, completedAt: at, autoClaim: true } };
    const payload = { userId, idempotencyKey: `quest:${userId}:q:${completion}`, items: [{ currency: 'gold', amount: 1 }], xp: 0, badge: null, reason: 'r', source: { type: 'quest', questKey: 'q', completion }, message };
    return { payload, delivered };
  };
  const user = randomUUID();
  const rows = [grant(user, 1, false), grant(user, 2, true)];
  for (const r of rows) {
    await client.query('INSERT INTO grant_outbox (user_id, quest_key, completion, idempotency_key, payload, delivered_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      user, 'q', r.payload.source.completion, r.payload.idempotencyKey, JSON.stringify(r.payload), r.delivered ? new Date() : null,
    ]);
  }

  await client.query(recovery);
  await client.query(recovery); // run twice by mistake: nothing more happens

  const moved = await client.query<{ id: string; type: string; data: unknown; occurred_at: Date }>('SELECT id, type, data, occurred_at FROM webhook_outbox');
  const waiting = rows[0]!.payload.message;
  assert.deepEqual(moved.rows.map((m) => ({ ...m, occurred_at: m.occurred_at.toISOString() })), [{ id: waiting.id, type: waiting.type, data: waiting.data, occurred_at: at }], 'the waiting grant\'s message, once; not the delivered one\'s');
  const grants = await client.query<{ payload: Record<string, unknown>; delivered: boolean }>('SELECT payload, delivered_at IS NOT NULL AS delivered FROM grant_outbox ORDER BY completion');
  assert.equal('message' in grants.rows[0]!.payload, false, 'the waiting grant no longer carries it');
  const { message: _message, ...bare } = rows[0]!.payload;
  assert.deepEqual(grants.rows[0]!.payload, bare, 'and is otherwise untouched');
  assert.equal('message' in grants.rows[1]!.payload, true, 'a delivered grant is left as it was');
});
