/**
 * A rolling update, proven with local processes and modelled on what Kubernetes does (see
 * deploy-rollout-support.ts): every peer reaches catalog and progress through a Service that
 * balances TCP connections, so keep-alive connections stick to a pod after it has left the
 * Service; each old instance is replaced one at a time (replacement ready first), and its endpoint
 * leaves the Service only after SIGTERM, so the draining instance still gets new connections and
 * requests on its existing ones. Under steady load through the gateway not one request may fail,
 * and for writes every accepted event is counted exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort, serviceEnv, spawnService, waitReady, type ServiceProcess } from '@questline/devstack';
import { apiClient, eventually, startTestStack, type ApiCall, type TestStack } from '@questline/testkit';
import { rollingUpdate, ServiceProxy, type RolloutStep, type Termination } from './deploy-rollout-support.js';
import { declarePlayerReportable } from './event-types-support.js';

/**
 * Scaled-down pod termination: the endpoint leaves the Service well after SIGTERM (a slow
 * endpoints controller or kube-proxy), so the drain itself must absorb new connections too.
 */
const TERMINATION: Termination = { preStopMs: 300, endpointLagMs: 1200 };
/** The drain pause the services get (SHUTDOWN_DELAY_MS; the manifests set their own). */
const SHUTDOWN_DELAY_MS = 1500;
const LOAD_CONNECTIONS = 8;
const GOLD_REWARD = '5e0d0000-0000-4000-8000-000000000001';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Rolled = 'catalog' | 'progress';
const services: Record<Rolled, ServiceProxy> = { catalog: new ServiceProxy(), progress: new ServiceProxy() };
const seconds: Partial<Record<Rolled, ServiceProcess>> = {};
const extra: ServiceProcess[] = [];
let stack: TestStack | undefined;
let api: ApiCall;

async function startInstance(name: Rolled): Promise<ServiceProcess> {
  const proc = await spawnService(name, { ...serviceEnv(stack!.settings, name), PORT: String(await freePort()) }, stack!.logDir);
  extra.push(proc);
  return proc;
}

before(async () => {
  const catalogUrl = await services.catalog.listen();
  const progressUrl = await services.progress.listen();
  const ports = { catalog: await freePort(), progress: await freePort() };
  services.catalog.add(`http://127.0.0.1:${ports.catalog}`);
  services.progress.add(`http://127.0.0.1:${ports.progress}`);
  const drain = { SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS) };
  stack = await startTestStack({
    name: 'rolling',
    ports,
    extraEnv: {
      gateway: { CATALOG_URL: catalogUrl, PROGRESS_URL: progressUrl, RATE_LIMIT_USER_MAX: '1000000' },
      auth: { CATALOG_URL: catalogUrl, PROGRESS_URL: progressUrl },
      progress: { ...drain, CATALOG_URL: catalogUrl },
      catalog: drain,
    },
  });
  api = apiClient(stack.gateway);
  // Two instances of each behind its Service before any rollout starts.
  await Promise.all(
    (['catalog', 'progress'] as const).map(async (name) => {
      const proc = await startInstance(name);
      await waitReady(proc);
      services[name].add(proc.url);
      seconds[name] = proc;
    }),
  );
});

after(async () => {
  await Promise.all(extra.map((p) => p.stop()));
  await stack?.close();
  await Promise.all(Object.values(services).map((s) => s.close()));
});

function assertCleanDrains(steps: RolloutStep[]) {
  for (const step of steps) {
    assert.equal(step.exitCode, 0, 'drains and exits cleanly');
    assert.ok(step.drainingReadyz.includes(503), `/readyz reports not ready while draining (${step.drainingReadyz.join(',')})`);
    // The point of the exercise: traffic still reached the instance after SIGTERM.
    assert.ok(step.connectionsAfterSigterm > 0, 'the Service still sent new connections to the draining instance');
  }
}

/** Starts the load, rolls both instances of the service, stops the load a moment later. */
async function underLoad(opts: autocannon.Options, name: Rolled) {
  let load!: autocannon.Instance;
  // Bounded by its duration; stopped as soon as the rollout is over.
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    load = autocannon({ ...opts, connections: LOAD_CONNECTIONS, duration: 40 }, (err, result) => (err ? reject(err) : resolve(result)));
  });
  await sleep(500);
  const steps = await rollingUpdate(services[name], [stack!.services[name], seconds[name]!], () => startInstance(name), TERMINATION);
  await sleep(500);
  load.stop();
  return { result: await done, steps };
}

test('restarting every catalog instance one at a time under read load fails no request', async () => {
  const { result, steps } = await underLoad({ url: `${stack!.gateway}/api/v1/quests` }, 'catalog');
  assert.ok(result.requests.total > 100, `steady load ran (${result.requests.total} requests)`);
  assert.equal(result.errors, 0, 'no connection errors');
  assert.equal(result.timeouts, 0, 'no timeouts');
  assert.equal(result.non2xx, 0, 'no failed responses');
  assertCleanDrains(steps);
});

test('restarting every progress instance one at a time under write load loses, fails and doubles no event', async () => {
  const admin = (await api('POST', '/api/v1/auth/login', { body: stack!.admin })).body.accessToken;
  const quest = {
    key: 'rolling-steps',
    name: 'Steps during a rollout',
    description: 'Counts every step',
    tags: ['rollout'],
    objective: { event: 'rolling.step', mode: 'count', target: 1_000_000_000 },
    rewardId: GOLD_REWARD,
    autoClaim: true,
  };
  // Players report only declared types; declared before publishing, so progress has it once it shows the quest.
  await declarePlayerReportable(api, admin, ['rolling.step']);
  assert.equal((await api('POST', '/api/v1/admin/quests', { token: admin, body: quest })).status, 201);
  assert.equal((await api('POST', '/api/v1/admin/quests/rolling-steps/publish', { token: admin })).status, 200);
  const credentials = { username: 'roller', password: 'a-good-password' };
  const userId = (await api('POST', '/api/v1/auth/signup', { body: credentials })).body.user.id as string;
  const token = (await api('POST', '/api/v1/auth/login', { body: credentials })).body.accessToken as string;
  const progressOf = async () => {
    const res = await api('GET', '/api/v1/me/quests', { token });
    return res.body.items?.find((i: { quest: { key: string } }) => i.quest.key === 'rolling-steps')?.progress as number | undefined;
  };
  // Every progress instance learns of the quest from its own catalog poll: an event taken by an
  // instance that has not seen the publish yet is stored but counts for no quest (a publish reaches
  // each replica within its poll interval). So the load starts once both instances list it.
  const progressAt = async (base: string) => {
    const res = await fetch(`${base}/api/v1/me/quests`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { items?: Array<{ quest: { key: string }; progress: number }> };
    return body.items?.find((i) => i.quest.key === 'rolling-steps')?.progress;
  };
  const instances = [stack!.services.progress.url, seconds.progress!.url];
  await eventually(async () => (await Promise.all(instances.map(progressAt))).every((p) => p === 0), 10_000, 'both progress instances list the quest');
  assert.equal(await progressOf(), 0);

  const sent = new Set<string>();
  const accepted = new Set<string>();
  let duplicates = 0;
  let n = 0;
  const { result, steps } = await underLoad(
    {
      url: stack!.gateway,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/events',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          setupRequest: (req) => {
            const id = `step-${++n}`;
            sent.add(id);
            return { ...req, body: JSON.stringify({ id, type: 'rolling.step' }) };
          },
          onResponse: (status, body) => {
            if (status !== 200) return;
            const parsed = JSON.parse(body) as { eventId: string; duplicate: boolean };
            accepted.add(parsed.eventId);
            if (parsed.duplicate) duplicates++;
          },
        },
      ],
    },
    'progress',
  );
  assert.ok(accepted.size > 100, `steady load ran (${accepted.size} events accepted)`);
  assert.equal(result.errors, 0, 'no connection errors');
  assert.equal(result.timeouts, 0, 'no timeouts');
  assert.equal(result.non2xx, 0, 'no failed responses');
  assert.equal(duplicates, 0, 'no event was taken for a duplicate');
  assertCleanDrains(steps);

  // Requests cut off when the load stopped may still be committing: wait until the two agree.
  const db = new pg.Client({ connectionString: stack!.settings.databases.progress });
  await db.connect();
  const storedIds = async () =>
    new Set((await db.query<{ id: string }>("SELECT id FROM events WHERE user_id = $1 AND type = 'rolling.step'", [userId])).rows.map((r) => r.id));
  let stored = new Set<string>();
  let counted: number | undefined;
  try {
    await eventually(async () => {
      stored = await storedIds();
      counted = await progressOf();
      return counted === stored.size && (await storedIds()).size === stored.size;
    }, 5000, 'the quest count to settle');
  } catch {
    // Reported below with the numbers.
  } finally {
    await db.end();
  }
  assert.equal(counted, stored.size, 'the count quest counts every stored event exactly once');
  for (const id of accepted) assert.ok(stored.has(id), `accepted event ${id} is stored`);
  for (const id of stored) assert.ok(sent.has(id), `stored event ${id} was sent`);
  // Only requests cut off when the load stopped may be stored without their answer.
  assert.ok(stored.size - accepted.size <= LOAD_CONNECTIONS, `${stored.size - accepted.size} stored events were not answered`);
});
