/**
 * Offline validation of rendered manifests: every object against the Kubernetes, Prometheus
 * Operator and CloudNativePG schemas, plus our own rules (workloads here; NetworkPolicies in
 * network-policy-check.ts; dashboards and alerts in metrics-check.ts). Returns a list of problems;
 * empty means fine.
 */
import type { TObject } from '@sinclair/typebox';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { K8sObject } from './kustomize.js';
import { checkCnpgCluster } from './cnpg-cluster.js';
import { checkMonitoring, type ExportedMetrics } from './metrics-check.js';
import { checkNetworkPolicies } from './network-policy-check.js';

type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

export interface ServiceSchemas {
  /** Config schema of each Questline service, keyed by service name (= Deployment name). */
  [service: string]: TObject;
}

/** What the manifests are checked against, read from the code (see the test). */
export interface Project {
  schemas: ServiceSchemas;
  /** Every metric the services export (metrics-check.ts exportedMetrics). */
  metrics: ExportedMetrics;
}

function requiredKeys(schema: TObject): string[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties)
    .filter(([k, v]) => required.has(k) && (v as { default?: unknown }).default === undefined)
    .map(([k]) => k);
}

function envNames(container: any, configMaps: Map<string, K8sObject>): { names: Set<string>; problems: string[] } {
  const names = new Set<string>();
  const problems: string[] = [];
  for (const e of container.env ?? []) names.add(e.name);
  for (const from of container.envFrom ?? []) {
    const cm = from.configMapRef && configMaps.get(from.configMapRef.name);
    if (from.configMapRef && !cm) problems.push(`envFrom ConfigMap ${from.configMapRef.name} does not exist`);
    for (const key of Object.keys(cm?.data ?? {})) names.add(key);
  }
  return { names, problems };
}

/** A variable's value as the container gets it (literal env wins over envFrom ConfigMaps). */
function envValue(container: any, name: string, configMaps: Map<string, K8sObject>): string | undefined {
  const literal = (container.env ?? []).find((e: { name: string; value?: string }) => e.name === name);
  if (literal) return literal.value;
  for (const from of container.envFrom ?? []) {
    const value = from.configMapRef && configMaps.get(from.configMapRef.name)?.data?.[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

function checkWorkload(o: K8sObject, schemas: ServiceSchemas, configMaps: Map<string, K8sObject>): string[] {
  const problems: string[] = [];
  const spec = o.spec.template.spec;
  if (o.kind === 'Deployment') {
    const s = o.spec.strategy;
    if (s?.type !== 'RollingUpdate' || s.rollingUpdate?.maxUnavailable !== 0 || s.rollingUpdate?.maxSurge !== 1) {
      problems.push('strategy must be RollingUpdate with maxUnavailable 0 and maxSurge 1');
    }
  }
  if (spec.securityContext?.runAsNonRoot !== true) problems.push('pod securityContext.runAsNonRoot must be true');
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const where = `container ${c.name}`;
    const tag = String(c.image).split(':')[1];
    if (!tag || tag === 'latest') problems.push(`${where}: image ${c.image} must have a pinned tag, not latest`);
    if (!c.resources?.requests || !c.resources?.limits) problems.push(`${where}: resources.requests and limits are required`);
    if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
    if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
  }
  const grace = spec.terminationGracePeriodSeconds ?? 30;
  for (const c of spec.containers ?? []) {
    const where = `container ${c.name}`;
    if (!c.readinessProbe || !c.livenessProbe) problems.push(`${where}: readiness and liveness probes are required`);
    const schema = schemas[o.metadata.name];
    if (o.kind !== 'Deployment' || !schema) continue;
    if (!c.startupProbe) problems.push(`${where}: a startupProbe is required`);
    if (c.readinessProbe?.httpGet?.path !== '/readyz') problems.push(`${where}: readinessProbe must be GET /readyz`);
    if (c.livenessProbe?.httpGet?.path !== '/healthz') problems.push(`${where}: livenessProbe must be GET /healthz`);
    const preStop = c.lifecycle?.preStop?.sleep?.seconds;
    if (!(typeof preStop === 'number' && preStop > 0)) problems.push(`${where}: a preStop pause is required`);
    // After SIGTERM the service keeps serving for SHUTDOWN_DELAY_MS, then drains for up to 10 s
    // (platform serve()); the grace period must cover the preStop pause and both.
    const delay = Number(envValue(c, 'SHUTDOWN_DELAY_MS', configMaps) ?? 0) / 1000;
    if (!(grace > (preStop ?? 0) + delay + 10)) problems.push(`${where}: terminationGracePeriodSeconds must exceed preStop + SHUTDOWN_DELAY_MS + 10 s drain`);
    const { names, problems: envProblems } = envNames(c, configMaps);
    problems.push(...envProblems.map((p) => `${where}: ${p}`));
    for (const n of names) if (!(n in schema.properties)) problems.push(`${where}: env ${n} is not a config key of ${o.metadata.name}`);
    for (const k of requiredKeys(schema)) if (!names.has(k)) problems.push(`${where}: required config key ${k} is not set`);
  }
  for (const c of spec.initContainers ?? []) {
    const { names } = envNames(c, configMaps);
    for (const n of names) if (n !== 'DATABASE_URL') problems.push(`init container ${c.name}: env ${n} is not used by migrations`);
    if (schemas[o.metadata.name] && !names.has('DATABASE_URL')) problems.push(`init container ${c.name}: DATABASE_URL is required`);
  }
  return problems;
}

function matches(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function checkObjects(objects: K8sObject[], { schemas, metrics }: Project): string[] {
  const problems: string[] = [];
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    const report = (list: string[]) => problems.push(...list.map((p) => `${id}: ${p}`));
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (Model) {
      try {
        new Model(o).validate();
      } catch (err) {
        report([`schema: ${(err as Error).message}`]);
      }
    } else if (o.apiVersion === 'postgresql.cnpg.io/v1' && o.kind === 'Cluster') {
      report(checkCnpgCluster(o));
    } else {
      report([`unknown kind ${o.apiVersion} ${o.kind}: add a schema check`]);
    }
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') report(checkWorkload(o, schemas, configMaps));
    if (o.kind === 'Service' && !workloads.some((w) => matches(o.spec?.selector ?? {}, w.spec?.template?.metadata?.labels))) {
      report(['selects no Deployment or StatefulSet']);
    }
    if (o.kind === 'Secret') report(['secret values must never be in git: reference Secrets instead']);
  }
  for (const s of Object.keys(schemas)) {
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      if (!objects.some((o) => o.kind === kind && o.metadata.name === s)) problems.push(`${s}: missing ${kind}`);
    }
  }
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  for (const ing of ingresses) {
    for (const rule of ing.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        if (p.backend?.service?.name !== 'gateway') problems.push(`Ingress/${ing.metadata.name}: routes to ${p.backend?.service?.name}, only the gateway may be exposed`);
      }
    }
  }
  problems.push(...checkNetworkPolicies(objects, schemas));
  problems.push(...checkMonitoring(objects, metrics));
  return problems;
}
