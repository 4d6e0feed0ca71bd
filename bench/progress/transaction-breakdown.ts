/**
 * Where the time of one batch transaction goes: applyEvents (what a 500-event chunk of an admin
 * batch runs) against progress's schema on a fresh embedded PostgreSQL (fsync on), 48 quests over 7
 * event types as in `npm run bench`, 500 events of random users among 2,000 per transaction; prints
 * each transaction's wall and Node CPU time and each statement's mean duration.
 *
 *   npx tsx bench/progress/transaction-breakdown.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { ensureDatabases, freePort, startEmbeddedPostgres } from '@questline/devstack';
import { runMigrations } from '../../services/progress/src/db/migrations.js';
import { applyEvents } from '../../services/progress/src/use-cases/apply-events.use-case.js';
import type { ProgressDatabase } from '../../services/progress/src/db/schema.js';

const base = await mkdtemp(path.join(os.tmpdir(), 'probe-'));
const server = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(8).toString('hex') });
const url = (await ensureDatabases(server.url, ['probe']))['probe']!;
await runMigrations({ DATABASE_URL: url });
const timings = new Map<string, number[]>();
const db = new Kysely<ProgressDatabase>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
  log: (e) => {
    if (e.level !== 'query') return;
    const k = e.query.sql.replace(/\s+/g, ' ').trim().slice(0, 40);
    (timings.get(k) ?? timings.set(k, []).get(k)!).push(e.queryDurationMillis);
  },
});
const types = ['tap', 'win', 'craft', 'trade', 'explore', 'login', 'spend'];
const reward = { id: randomUUID(), name: 'g', items: [{ currency: 'gold', amount: 10 }], xp: 0, badge: null };
const quests = Array.from({ length: 48 }, (_, i) => ({ id: randomUUID(), key: `q${i}`, name: 'q', description: '', tags: [], version: 1, objective: { event: types[i % 7]!, mode: 'count' as const, target: 5 + (i % 10) * 5 }, reward, autoClaim: i % 3 !== 0, maxCompletions: null, repeat: (['none', 'daily', 'weekly'] as const)[i % 3], startsAt: null, endsAt: null, prerequisites: [] }));
const byEvent = new Map<string, typeof quests>();
for (const q of quests) byEvent.set(q.objective.event, [...(byEvent.get(q.objective.event) ?? []), q]);
const catalog = { revision: '1', quests, byKey: new Map(quests.map((q) => [q.key, q])), byEvent } as never;
const users = Array.from({ length: 2000 }, () => randomUUID());
let n = 0;
for (let round = 0; round < 12; round++) {
  const perUser = new Map<string, Array<{ id: string; type: string; occurredAt: Date }>>();
  for (let i = 0; i < 500; i++) {
    const u = users[Math.floor(Math.random() * users.length)]!;
    (perUser.get(u) ?? perUser.set(u, []).get(u)!).push({ id: `e${n++}`, type: types[Math.floor(Math.random() * 7)]!, occurredAt: new Date() });
  }
  const t = performance.now();
  let cpu = process.cpuUsage();
  await db.transaction().execute((trx) => applyEvents(trx, catalog, [...perUser].map(([userId, events]) => ({ userId, timezone: 'UTC', events }))));
  cpu = process.cpuUsage(cpu);
  process.stdout.write(`round ${round}: 500 events, ${perUser.size} users: ${(performance.now() - t).toFixed(0)} ms wall, Node CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
}
for (const [k, v] of timings) process.stdout.write(`${k.padEnd(42)} avg ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)} ms × ${v.length}\n`);
await db.destroy();
await server.stop();
