/**
 * The Kubernetes manifests, validated offline: every overlay renders, every object passes the
 * Kubernetes / Prometheus Operator schemas, and our own rules hold (probes, resources, non-root,
 * RollingUpdate, Services that select something, env vars the services actually know, no `latest`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { BUNDLE_NODE_FLAGS, repoRoot } from '@questline/devstack';
import { kubectlAvailable, parseYamlObjects, renderFallback, renderWithKubectl, type K8sObject } from '../deploy/tools/kustomize.js';
import { checkObjects } from '../deploy/tools/check.js';
import { ConfigSchema as gateway } from '../services/gateway/src/config.js';
import { ConfigSchema as auth } from '../services/auth/src/config.js';
import { ConfigSchema as catalog } from '../services/catalog/src/config.js';
import { ConfigSchema as progress } from '../services/progress/src/config.js';

const schemas = { gateway, auth, catalog, progress };
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
      assert.deepEqual(checkObjects(objects, schemas), []);
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
    const problems = checkObjects([...objects.filter((o) => o !== objects.find((x) => key(x) === key(deployment))), deployment], schemas).join('\n');
    for (const expected of ['latest', 'readiness', 'NOT_A_KEY', 'required config key DATABASE_URL', 'RollingUpdate', 'runAsNonRoot']) {
      assert.match(problems, new RegExp(expected));
    }
    const orphan = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orphan', namespace: 'questline' }, spec: { selector: { app: 'none' }, ports: [{ port: 1 }] } };
    assert.match(checkObjects([...objects, orphan as K8sObject], schemas).join('\n'), /orphan: selects no Deployment/);
  });

  test('every Dockerfile is multi-stage, ships production dependencies only, runs as non-root and copies files that exist', () => {
    for (const service of Object.keys(schemas)) {
      const text = readFileSync(path.join(repoRoot, 'services', service, 'Dockerfile'), 'utf8');
      assert.ok((text.match(/^FROM /gm) ?? []).length >= 3, `${service}: build, deps and runtime stages`);
      assert.match(text, /npm ci --omit=dev/);
      assert.match(text, /^USER node$/m);
      assert.match(text, /^HEALTHCHECK /m);
      assert.doesNotMatch(text, /:latest\b/);
      const cmd = /^CMD \[(.*)\]$/m.exec(text)?.[1] ?? '';
      // The image runs the service's bundle, which its build stage makes from the sources.
      assert.deepEqual(JSON.parse(`[${cmd}]`), ['node', ...BUNDLE_NODE_FLAGS, `services/${service}/dist/server.mjs`], `${service}: CMD`);
      assert.match(text, new RegExp(`npx tsx scripts/build-services\\.ts --service=${service}\\b`), `${service}: the build stage bundles it`);
      assert.ok(existsSync(path.join(repoRoot, 'services', service, 'src/server.ts')), `${service}: src/server.ts`);
      for (const line of text.split('\n').filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
        for (const src of line.split(/\s+/).slice(1, -1)) assert.ok(existsSync(path.join(repoRoot, src)), `${service}: COPY ${src} exists`);
      }
    }
    const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
    assert.match(ignore, /node_modules/);
    assert.match(ignore, /^\.data$/m);
  });

  test('docker-compose has one PostgreSQL per service and sets every required config key', () => {
    const compose = parseYamlObjects(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'))[0] as any;
    for (const [name, schema] of Object.entries(schemas)) {
      const env = compose.services[name].environment as Record<string, string>;
      for (const k of Object.keys(env)) assert.ok(k in schema.properties, `${name}: ${k} is a config key`);
      for (const k of schema.required ?? []) {
        if ((schema.properties as Record<string, { default?: unknown }>)[k]?.default === undefined) assert.ok(k in env, `${name}: ${k} set`);
      }
    }
    for (const db of ['auth-db', 'catalog-db', 'progress-db']) assert.match(compose.services[db].image, /^postgres:\d/);
  });
});
