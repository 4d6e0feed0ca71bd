/**
 * A rolling update, proven with local processes: two catalog instances behind a round-robin
 * balancer that, like a Kubernetes Service, only sends traffic to endpoints that are ready and not
 * terminating. Under steady load through the gateway, each instance in turn is taken out of
 * rotation (the preStop pause), sent SIGTERM (it drains in-flight requests), and replaced by a
 * new process that joins once /readyz answers. Not one request may fail.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import autocannon from 'autocannon';
import { freePort, serviceEnv, spawnService, waitReady, type ServiceProcess } from '@questline/devstack';
import { startTestStack, type TestStack } from '@questline/testkit';

/** The part of kube-proxy + the endpoints controller this test needs: round robin over ready endpoints. */
class Balancer {
  private endpoints: string[] = [];
  private next = 0;
  private readonly agent = new http.Agent({ keepAlive: true });
  readonly server = http.createServer((req, res) => {
    const target = this.endpoints[this.next++ % Math.max(this.endpoints.length, 1)];
    if (!target) return res.writeHead(503).end();
    const url = new URL(req.url ?? '/', target);
    const upstream = http.request(url, { method: req.method, headers: req.headers, agent: this.agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end());
    req.pipe(upstream);
  });
  add(url: string) {
    this.endpoints.push(url);
  }
  remove(url: string) {
    this.endpoints = this.endpoints.filter((e) => e !== url);
  }
  close() {
    this.agent.destroy();
    return new Promise((r) => this.server.close(r));
  }
}

let stack: TestStack | undefined;
const balancer = new Balancer();
const extra: ServiceProcess[] = [];

after(async () => {
  for (const p of extra) await p.stop();
  await stack?.close();
  await balancer.close();
});

test('restarting every catalog instance one at a time under load fails no request', async () => {
  const lbPort = await freePort();
  await new Promise<void>((r) => balancer.server.listen(lbPort, '127.0.0.1', r));
  const firstCatalogPort = await freePort();
  balancer.add(`http://127.0.0.1:${firstCatalogPort}`);
  stack = await startTestStack({
    name: 'rolling',
    ports: { catalog: firstCatalogPort },
    extraEnv: { gateway: { CATALOG_URL: `http://127.0.0.1:${lbPort}` } },
  });
  const logDir = stack.logDir;
  const settings = stack.settings;
  const startInstance = async () => {
    const proc = await spawnService('catalog', { ...serviceEnv(settings, 'catalog'), PORT: String(await freePort()) }, logDir);
    extra.push(proc);
    await waitReady(proc);
    balancer.add(proc.url);
    return proc;
  };
  const instances: ServiceProcess[] = [stack.services.catalog, await startInstance()];

  const load = autocannon({ url: `${stack.gateway}/api/v1/quests`, connections: 8, duration: 15 });
  const rollout = (async () => {
    await new Promise((r) => setTimeout(r, 1500));
    for (const old of [...instances]) {
      balancer.remove(old.url); // the endpoint leaves the Service first (preStop pause) ...
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await old.stop('SIGTERM'), 0, 'drains and exits cleanly'); // ... then SIGTERM
      instances.push(await startInstance()); // the replacement joins once ready
    }
  })();
  const [result] = await Promise.all([load, rollout]);
  assert.ok(result.requests.total > 100, `steady load ran (${result.requests.total} requests)`);
  assert.equal(result.errors, 0, 'no connection errors');
  assert.equal(result.timeouts, 0, 'no timeouts');
  assert.equal(result.non2xx, 0, 'no failed responses');
  assert.equal(instances.length, 4, 'both instances were replaced');
});
