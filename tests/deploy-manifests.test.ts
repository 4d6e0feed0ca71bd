/**
 * The Kubernetes manifests, validated offline: every overlay renders, every object passes the
 * Kubernetes / Prometheus Operator / CloudNativePG schemas, and our own rules hold (probes,
 * resources, non-root, RollingUpdate, Services that select something, env vars the services
 * actually know, no `latest`, NetworkPolicies allowing exactly the paths the services' config
 * needs, dashboards and alerts that query metrics our code exports).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { BUNDLE_NODE_FLAGS, repoRoot } from '@questline/devstack';
import { kubectlAvailable, parseYamlObjects, renderFallback, renderWithKubectl, type K8sObject } from '../deploy/tools/kustomize.js';
import { checkObjects } from '../deploy/tools/check.js';
import { exportedMetrics } from '../deploy/tools/metrics-check.js';
import { peersFromConfig } from '../deploy/tools/network-policy-check.js';
import { ConfigSchema as gateway } from '../services/gateway/src/config.js';
import { ConfigSchema as auth } from '../services/auth/src/config.js';
import { ConfigSchema as catalog } from '../services/catalog/src/config.js';
import { ConfigSchema as progress } from '../services/progress/src/config.js';

const schemas = { gateway, auth, catalog, progress };
const project = { schemas, metrics: exportedMetrics(repoRoot) };
const OVERLAYS = ['dev', 'prod', 'prod-statefulset'];
const overlayDir = (o: string) => path.join(repoRoot, 'deploy/k8s/overlays', o);
const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objs: K8sObject[]) => new Map(objs.map((o) => [key(o), o]));
const hasKubectl = kubectlAvailable();

describe('kubernetes manifests', () => {
  for (const overlay of OVERLAYS) {
    test(`${overlay}: every object is valid and follows our rules`, () => {
      const objects = hasKubectl ? renderWithKubectl(overlayDir(overlay)) : renderFallback(overlayDir(overlay));
      assert.ok(objects.length > 30, `${overlay} renders its objects`);
      assert.deepEqual(checkObjects(objects, project), []);
      assert.ok(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'questline'));
    });
  }

  test('prod uses CloudNativePG; prod-statefulset and dev use plain StatefulSets with PVCs', () => {
    const kinds = (o: string) => renderFallback(overlayDir(o)).map((x) => x.kind);
    assert.equal(kinds('prod').filter((k) => k === 'Cluster').length, 3);
    assert.equal(kinds('prod').filter((k) => k === 'StatefulSet').length, 0);
    for (const o of ['dev', 'prod-statefulset']) {
      const objs = renderFallback(overlayDir(o));
      const sets = objs.filter((x) => x.kind === 'StatefulSet');
      assert.equal(sets.length, 3);
      assert.ok(sets.every((s) => s.spec.volumeClaimTemplates?.length === 1));
      assert.equal(objs.filter((x) => x.kind === 'Cluster').length, 0);
    }
  });

  test('the built-in renderer gives exactly what kubectl kustomize gives', { skip: !hasKubectl && 'kubectl not installed' }, () => {
    for (const overlay of OVERLAYS) {
      const fallback = byKey(renderFallback(overlayDir(overlay)));
      const real = byKey(renderWithKubectl(overlayDir(overlay)));
      assert.deepEqual([...fallback.keys()].sort(), [...real.keys()].sort());
      for (const [k, o] of real) assert.deepEqual(fallback.get(k), o, k);
    }
  });

  test('the rules catch what they are for', () => {
    const objects = renderFallback(overlayDir('prod'));
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'progress')!);
    const c = deployment.spec.template.spec.containers[0];
    c.image = 'questline/progress:latest';
    delete c.readinessProbe;
    c.env.push({ name: 'NOT_A_KEY', value: 'x' });
    c.env = c.env.filter((e: { name: string }) => e.name !== 'DATABASE_URL');
    deployment.spec.strategy.rollingUpdate.maxUnavailable = 1;
    deployment.spec.template.spec.securityContext.runAsNonRoot = false;
    const problems = checkObjects([...objects.filter((o) => o !== objects.find((x) => key(x) === key(deployment))), deployment], project).join('\n');
    for (const expected of ['latest', 'readiness', 'NOT_A_KEY', 'required config key DATABASE_URL', 'RollingUpdate', 'runAsNonRoot']) {
      assert.match(problems, new RegExp(expected));
    }
    const orphan = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orphan', namespace: 'questline' }, spec: { selector: { app: 'none' }, ports: [{ port: 1 }] } };
    assert.match(checkObjects([...objects, orphan as K8sObject], project).join('\n'), /orphan: selects no Deployment/);
    // The drain pause after SIGTERM must fit in the grace period too.
    const slow = structuredClone(objects);
    slow.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'progress-config')!.data.SHUTDOWN_DELAY_MS = '20000';
    assert.match(checkObjects(slow, project).join('\n'), /Deployment\/progress: container progress: terminationGracePeriodSeconds must exceed preStop \+ SHUTDOWN_DELAY_MS/);
  });

  test('the NetworkPolicy rules catch a hole and a missing path, with peers derived from the services\' config', () => {
    const sorted = (r: Record<string, string[]>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...v].sort()]));
    assert.deepEqual(sorted(peersFromConfig(schemas)), {
      gateway: ['auth', 'catalog', 'progress'],
      auth: ['catalog', 'progress'],
      catalog: ['auth'],
      progress: ['auth', 'catalog'],
    });
    const objects = structuredClone(renderFallback(overlayDir('prod')));
    const policy = (name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)!;
    // Outside traffic to a pod other than the gateway.
    policy('auth').spec.ingress.push({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8081 }] });
    // A service reaching another service's database.
    policy('progress').spec.egress.push({ to: [{ podSelector: { matchLabels: { 'questline.dev/database': 'auth' } } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    // catalog -> auth (its AUTH_URL) taken away, and CloudNativePG cut off from the API server.
    policy('catalog').spec.egress = policy('catalog').spec.egress.filter((r: any) => r.to[0].podSelector?.matchLabels?.['app.kubernetes.io/name'] !== 'auth');
    const problems = checkObjects(objects.filter((o) => o.metadata.name !== 'cnpg-kube-api-server'), project).join('\n');
    assert.match(problems, /auth accepts TCP\/8081 from namespace ingress-nginx: only the gateway takes traffic from outside/);
    assert.match(problems, /progress may connect to questline-auth-db on TCP\/5432: a pod reaches only its own database/);
    assert.match(problems, /catalog: no NetworkPolicy allows egress to auth on TCP\/8081 \(a peer \(AUTH_URL\)\)/);
    assert.match(problems, /questline-progress-db: no NetworkPolicy allows egress to the Kubernetes API server on TCP\/6443/);
    // A policy that opens a whole network instead of naming the API server.
    policy('cnpg-kube-api-server').spec.egress[0].to = [{ ipBlock: { cidr: '0.0.0.0/0' } }];
    assert.match(checkObjects(objects, project).join('\n'), /may reach address 0\.0\.0\.0\/0, far more than one API server/);
  });

  test('the CloudNativePG Cluster is checked against its CRD schema, unknown fields included', () => {
    const objects = structuredClone(renderFallback(overlayDir('prod')));
    const cluster = objects.find((o) => o.kind === 'Cluster' && o.metadata.name === 'questline-progress-db')!;
    cluster.spec.instances = 0;
    cluster.spec.monitoring = { enablePodMonitr: true };
    cluster.spec.postgresql.parameters.max_connections = 300;
    cluster.spec.imageName = 'ghcr.io/cloudnative-pg/postgresql:latest';
    const problems = checkObjects(objects, project).join('\n');
    assert.match(problems, /Cluster\/questline-progress-db: schema: .*spec\/instances must be >= 1/);
    assert.match(problems, /spec\/postgresql\/parameters\/max_connections must be string/);
    assert.match(problems, /spec\.monitoring\.enablePodMonitr is not a field of the CloudNativePG Cluster/);
    assert.match(problems, /spec\.imageName must pin a version/);
  });

  test('dashboards and alerts may only query metrics our code exports, and the dashboard must be sound', () => {
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'questline_events_ingested_total', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(project.metrics.names.has(name), `${name} is found in the sources`);
    }
    for (const name of ['questline_outbox_backlog', 'questline_outbox_oldest_age_seconds', 'questline_outbox_dead', 'questline_outbox_dead_lettered_total']) {
      assert.ok(project.metrics.names.has(name), `${name} (the platform relay's) is found in the sources`);
    }
    const objects = structuredClone(renderFallback(overlayDir('prod')));
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'questline-grafana-dashboard')!;
    const dashboard = JSON.parse(cm.data['questline.json']);
    dashboard.panels[0].targets[0].expr = 'sum(rate(http_request_total[1m]))';
    dashboard.panels[1].targets = [];
    dashboard.panels[2].targets[0].expr = 'histogram_quantile(0.5, sum by (le) (rate(';
    cm.data['questline.json'] = JSON.stringify(dashboard);
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    rule.spec.groups[0].rules[0].expr = 'max(questline_outbox_backlogg) > 1000';
    rule.spec.groups[0].rules[1].expr = 'cnpg_collector_up == 0';
    let problems = checkObjects(objects, project).join('\n');
    assert.match(problems, /panel "Requests per second by service" target A: metric http_request_total is exported by none of our services/);
    assert.match(problems, /panel "5xx per second by service": needs at least one target/);
    assert.match(problems, /panel "Latency percentiles \(gateway\)" target A: PromQL does not parse/);
    assert.match(problems, /PrometheusRule\/questline QuestlineHigh5xxRate: metric questline_outbox_backlogg is exported by none/);
    // CloudNativePG's exporter counts only where a Cluster enables its PodMonitor.
    assert.doesNotMatch(problems, /cnpg_collector_up/);
    const statefulset = renderFallback(overlayDir('prod-statefulset'));
    statefulset.find((o) => o.kind === 'PrometheusRule')!.spec.groups[0].rules[1].expr = 'cnpg_collector_up == 0';
    assert.match(checkObjects(statefulset, project).join('\n'), /metric cnpg_collector_up is exported by none of our services \(and the CloudNativePG exporter is not deployed\)/);
    cm.data['questline.json'] = '{"title": "Questline", "panels": [';
    problems = checkObjects(objects, project).join('\n');
    assert.match(problems, /ConfigMap\/questline-grafana-dashboard questline\.json: not JSON/);
  });

  test('one Dockerfile builds every service: multi-stage, production dependencies only, non-root, a stage per service', () => {
    const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    assert.match(text, /^ARG SERVICE$/m, 'the service is a build argument');
    const stages = text.split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM '));
    assert.ok(stages.length >= 3 + Object.keys(schemas).length + 1, 'build, deps, runtime, one stage per service, the chosen one');
    assert.equal(stages.at(-1)!.split('\n')[0], 'FROM ${SERVICE}', 'the image is the stage SERVICE names');
    assert.match(text, /npm ci --omit=dev/);
    assert.match(text, /^USER node$/m);
    assert.match(text, /^HEALTHCHECK /m);
    assert.doesNotMatch(text, /:latest\b/);
    // Every service's bundle, built once whichever image is built (the stages before are shared).
    assert.match(text, /npx tsx scripts\/build-services\.ts$/m);
    for (const [service, schema] of Object.entries(schemas)) {
      assert.ok(!existsSync(path.join(repoRoot, 'services', service, 'Dockerfile')), `${service}: no Dockerfile of its own`);
      const stage = stages.find((s) => s.startsWith(`FROM runtime AS ${service}\n`));
      assert.ok(stage, `${service}: a stage of its own`);
      const cmd = /^CMD \[(.*)\]$/m.exec(stage)?.[1] ?? '';
      // The image runs the service's bundle, which the build stage makes from the sources.
      assert.deepEqual(JSON.parse(`[${cmd}]`), ['node', ...BUNDLE_NODE_FLAGS, `services/${service}/dist/server.mjs`], `${service}: CMD`);
      assert.match(stage, new RegExp(`^COPY --from=build /app/services/${service} services/${service}$`, 'm'), `${service}: its files`);
      const port = (schema.properties as Record<string, { default?: unknown }>).PORT?.default;
      assert.match(stage, new RegExp(`^ENV PORT=${port}$`, 'm'), `${service}: its default port`);
      assert.match(stage, new RegExp(`^EXPOSE ${port}$`, 'm'), `${service}: EXPOSE`);
      assert.ok(existsSync(path.join(repoRoot, 'services', service, 'src/server.ts')), `${service}: src/server.ts`);
    }
    for (const line of text.split('\n').filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      for (const src of line.split(/\s+/).slice(1, -1)) assert.ok(existsSync(path.join(repoRoot, src)), `COPY ${src} exists`);
    }
    const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
    assert.match(ignore, /node_modules/);
    assert.match(ignore, /^\.data$/m);
  });

  test('docker-compose has one PostgreSQL per service and sets every required config key', () => {
    const compose = parseYamlObjects(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'))[0] as any;
    for (const [name, schema] of Object.entries(schemas)) {
      assert.deepEqual(compose.services[name].build, { context: '.', args: { SERVICE: name } }, `${name}: built from the one Dockerfile`);
      const env = compose.services[name].environment as Record<string, string>;
      for (const k of Object.keys(env)) assert.ok(k in schema.properties, `${name}: ${k} is a config key`);
      for (const k of schema.required ?? []) {
        if ((schema.properties as Record<string, { default?: unknown }>)[k]?.default === undefined) assert.ok(k in env, `${name}: ${k} set`);
      }
    }
    for (const db of ['auth-db', 'catalog-db', 'progress-db']) assert.match(compose.services[db].image, /^postgres:\d/);
  });
});
