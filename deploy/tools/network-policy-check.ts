/**
 * NetworkPolicies, checked as what they allow rather than how they are written: every policy is
 * evaluated against the pods the manifests create (Deployments, StatefulSets, and the instances
 * CloudNativePG makes for each Cluster), giving each pod's allowed ingress and egress; that must be
 * exactly the set of paths the architecture needs, derived from the services' config (a service
 * with AUTH_URL talks to auth, …) and from how each database is run. A path more is a hole (a
 * service that can reach another's database, a pod outside the namespace that can reach anything
 * but the gateway); a path less is an outage (a CloudNativePG instance that cannot reach the API
 * server never starts).
 */
import type { TObject } from '@sinclair/typebox';
import type { K8sObject } from './kustomize.js';

/** Namespaces outside ours that may connect in, each to what it needs and no more. */
const INGRESS_CONTROLLER = 'ingress-nginx';
const MONITORING = 'monitoring';
const CNPG_OPERATOR = 'cnpg-system';
/** The only public entry point. */
const EDGE_SERVICE = 'gateway';
/** Ports of a CloudNativePG instance: PostgreSQL, the instance manager's status, the exporter. */
const CNPG_PORTS = { postgresql: 5432, status: 8000, metrics: 9187 };
/** Where the Kubernetes API server listens, depending on the distribution. */
const KUBE_API_PORTS = [443, 6443];

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface Pod {
  id: string;
  kind: 'service' | 'cnpg' | 'postgres';
  /** The service a database belongs to (its own name for a service). */
  owner: string;
  labels: Labels;
  ports: Record<string, number>;
  metricsPort?: number;
}

/** A path: `<pod>` is a pod of ours, `ns:<name>[/<labels>]` another namespace, `ip:<cidr>`, `any`. */
interface Path {
  pod: string;
  dir: 'ingress' | 'egress';
  peer: string;
  port: string;
  why?: string;
  policy?: string;
}

export function selects(sel: Selector | undefined, labels: Labels): boolean {
  if (!sel) return true;
  const byLabel = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    byLabel &&
    (sel.matchExpressions ?? []).every((e) => {
      const has = e.key in labels;
      if (e.operator === 'Exists') return has;
      if (e.operator === 'DoesNotExist') return !has;
      if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]!);
      if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]!);
      return false;
    })
  );
}

/** Peer services of each service: a `<PEER>_URL` key in its config schema names a peer. */
export function peersFromConfig(schemas: Record<string, TObject>): Record<string, string[]> {
  const names = Object.keys(schemas);
  return Object.fromEntries(
    names.map((s) => [s, Object.keys(schemas[s]!.properties).map((k) => /^([A-Z]+)_URL$/.exec(k)?.[1]?.toLowerCase()).filter((p): p is string => !!p && p !== s && names.includes(p))]),
  );
}

function podsOf(objects: K8sObject[], services: string[]): { pods: Pod[]; problems: string[] } {
  const pods: Pod[] = [];
  const problems: string[] = [];
  const dbOwner = new Map<string, string>();
  for (const d of objects.filter((o) => o.kind === 'Deployment' && services.includes(o.metadata.name))) {
    const spec = d.spec.template.spec;
    const ports: Record<string, number> = {};
    for (const c of spec.containers ?? []) for (const p of c.ports ?? []) ports[p.name ?? String(p.containerPort)] = p.containerPort;
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const secret = c.env?.find((e: { name: string }) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name as string | undefined;
      // CloudNativePG names a Cluster's app Secret <cluster>-app; the StatefulSets follow suit.
      if (secret) dbOwner.set(secret.replace(/-app$/, ''), d.metadata.name);
    }
    const metricsPort = Number(d.spec.template.metadata?.annotations?.['prometheus.io/port']) || undefined;
    pods.push({ id: d.metadata.name, kind: 'service', owner: d.metadata.name, labels: d.spec.template.metadata?.labels ?? {}, ports, metricsPort });
  }
  const ownerOf = (name: string) => {
    const owner = dbOwner.get(name);
    if (!owner) problems.push(`database ${name}: no service reads its Secret ${name}-app, so no path to it can be derived`);
    return owner ?? name;
  };
  for (const s of objects.filter((o) => o.kind === 'StatefulSet')) {
    const ports: Record<string, number> = {};
    for (const c of s.spec.template.spec.containers ?? []) for (const p of c.ports ?? []) ports[p.name ?? String(p.containerPort)] = p.containerPort;
    pods.push({ id: s.metadata.name, kind: 'postgres', owner: ownerOf(s.metadata.name), labels: s.spec.template.metadata?.labels ?? {}, ports });
  }
  for (const c of objects.filter((o) => o.kind === 'Cluster')) {
    // The labels CloudNativePG gives its instance pods, plus the Cluster's inheritedMetadata.
    const labels = { ...(c.spec?.inheritedMetadata?.labels ?? {}), 'cnpg.io/cluster': c.metadata.name, 'cnpg.io/podRole': 'instance' };
    const metricsPort = c.spec?.monitoring?.enablePodMonitor ? CNPG_PORTS.metrics : undefined;
    pods.push({ id: c.metadata.name, kind: 'cnpg', owner: ownerOf(c.metadata.name), labels, ports: { ...CNPG_PORTS }, metricsPort });
  }
  return { pods, problems };
}

const tcp = (port: number | undefined) => `TCP/${port}`;

/** Every path the architecture needs, both ends of each. */
function requiredPaths(pods: Pod[], peers: Record<string, string[]>): Path[] {
  const out: Path[] = [];
  const link = (from: Pod, to: Pod, port: number | undefined, why: string) => {
    out.push({ pod: from.id, dir: 'egress', peer: to.id, port: tcp(port), why }, { pod: to.id, dir: 'ingress', peer: from.id, port: tcp(port), why });
  };
  for (const pod of pods) {
    for (const proto of ['UDP', 'TCP']) out.push({ pod: pod.id, dir: 'egress', peer: 'dns', port: `${proto}/53`, why: 'DNS' });
    if (pod.metricsPort) out.push({ pod: pod.id, dir: 'ingress', peer: `ns:${MONITORING}`, port: tcp(pod.metricsPort), why: 'Prometheus scrapes it' });
    if (pod.kind === 'service') {
      if (pod.id === EDGE_SERVICE) out.push({ pod: pod.id, dir: 'ingress', peer: `ns:${INGRESS_CONTROLLER}`, port: tcp(pod.ports.http), why: 'the public entry point' });
      for (const db of pods.filter((p) => p.kind !== 'service' && p.owner === pod.id)) link(pod, db, 5432, 'its own database');
      for (const name of peers[pod.id] ?? []) {
        const peer = pods.find((p) => p.id === name);
        if (peer) link(pod, peer, peer.ports.http, `a peer (${name.toUpperCase()}_URL)`);
      }
    }
    if (pod.kind === 'cnpg') {
      link(pod, pod, CNPG_PORTS.postgresql, 'CloudNativePG streaming replication');
      link(pod, pod, CNPG_PORTS.status, 'CloudNativePG instance manager status');
      for (const port of [CNPG_PORTS.status, CNPG_PORTS.postgresql]) out.push({ pod: pod.id, dir: 'ingress', peer: `ns:${CNPG_OPERATOR}`, port: tcp(port), why: 'the CloudNativePG operator' });
      for (const port of KUBE_API_PORTS) out.push({ pod: pod.id, dir: 'egress', peer: 'ip:*', port: tcp(port), why: 'the instance manager talks to the Kubernetes API server' });
    }
  }
  return out;
}

/** The paths the policies allow, from each side's point of view. */
function allowedPaths(objects: K8sObject[], pods: Pod[], namespace: string): { paths: Path[]; isolated: Set<string>; problems: string[] } {
  const paths: Path[] = [];
  const isolated = new Set<string>();
  const problems: string[] = [];
  for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const spec = policy.spec ?? {};
    const name = policy.metadata.name;
    const types: string[] = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    const selected = pods.filter((p) => selects(spec.podSelector, p.labels));
    if (selected.length === 0) problems.push(`NetworkPolicy/${name}: selects no pod`);
    const peersOf = (entries: any[] | undefined, ruleIndex: string): Array<{ peer: string; pod?: Pod }> => {
      if (!entries || entries.length === 0) return [{ peer: 'any' }];
      return entries.flatMap((e): Array<{ peer: string; pod?: Pod }> => {
        if (e.ipBlock) return [{ peer: `ip:${e.ipBlock.cidr}` }];
        const ns = e.namespaceSelector;
        const nsName: string | undefined = ns ? (Object.keys(ns.matchLabels ?? {}).length === 0 && !ns.matchExpressions ? '*' : ns.matchLabels?.['kubernetes.io/metadata.name']) : namespace;
        const out: Array<{ peer: string; pod?: Pod }> = [];
        if (nsName === namespace || nsName === '*') {
          const matched = pods.filter((p) => selects(e.podSelector, p.labels));
          if (matched.length === 0 && nsName === namespace) problems.push(`NetworkPolicy/${name} ${ruleIndex}: a peer selects no pod`);
          out.push(...matched.map((p) => ({ peer: p.id, pod: p })));
        }
        if (nsName !== namespace) {
          const podLabels = Object.entries(e.podSelector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
          out.push({ peer: `ns:${nsName ?? JSON.stringify(ns)}${podLabels ? `/${podLabels}` : ''}` });
        }
        return out;
      });
    };
    const portsOf = (ports: any[] | undefined, on: Pod | undefined): string[] =>
      ports && ports.length
        ? ports.map((p) => `${p.protocol ?? 'TCP'}/${typeof p.port === 'string' ? (on?.ports[p.port] ?? p.port) : (p.port ?? 'any')}${p.endPort ? `-${p.endPort}` : ''}`)
        : ['any'];
    for (const pod of selected) {
      for (const t of types) isolated.add(`${pod.id}/${t.toLowerCase()}`);
      for (const [i, rule] of (spec.ingress ?? []).entries()) {
        for (const { peer } of peersOf(rule.from, `ingress[${i}]`)) {
          for (const port of portsOf(rule.ports, pod)) paths.push({ pod: pod.id, dir: 'ingress', peer, port, policy: name });
        }
      }
      for (const [i, rule] of (spec.egress ?? []).entries()) {
        for (const { peer, pod: to } of peersOf(rule.to, `egress[${i}]`)) {
          for (const port of portsOf(rule.ports, to)) paths.push({ pod: pod.id, dir: 'egress', peer, port, policy: name });
        }
      }
    }
  }
  return { paths, isolated, problems };
}

/** Whether an allowed path is the required one (another namespace may be narrowed to some pods). */
function covers(allowed: Path, required: Path): boolean {
  if (allowed.pod !== required.pod || allowed.dir !== required.dir || allowed.port !== required.port) return false;
  if (required.peer === 'dns') return /^ns:(\*|kube-system)\/.*k8s-app=kube-dns/.test(allowed.peer);
  if (required.peer === 'ip:*') return allowed.peer.startsWith('ip:');
  return allowed.peer === required.peer || allowed.peer.startsWith(`${required.peer}/`);
}

function describePeer(peer: string): string {
  if (peer === 'any') return 'anywhere';
  if (peer.startsWith('ns:')) return `namespace ${peer.slice(3)}`;
  if (peer.startsWith('ip:')) return `address ${peer.slice(3)}`;
  return peer;
}

/** A CIDR wider than /16 is not "the API server": it opens the way to whole networks. */
function tooWide(peer: string): boolean {
  const m = /^ip:[^/]+\/(\d+)$/.exec(peer);
  return !!m && Number(m[1]) < 16;
}

export function checkNetworkPolicies(objects: K8sObject[], schemas: Record<string, TObject>): string[] {
  const namespace = objects.find((o) => o.kind === 'Deployment')?.metadata.namespace ?? 'default';
  const { pods, problems } = podsOf(objects, Object.keys(schemas));
  const required = requiredPaths(pods, peersFromConfig(schemas));
  const allowed = allowedPaths(objects, pods, namespace);
  problems.push(...allowed.problems);
  for (const pod of pods) {
    for (const dir of ['ingress', 'egress'] as const) {
      if (!allowed.isolated.has(`${pod.id}/${dir}`)) problems.push(`${pod.id}: no NetworkPolicy restricts its ${dir}, so it allows everything`);
    }
  }
  for (const a of allowed.paths) {
    const outside = a.peer === 'any' || a.peer.startsWith('ns:') || a.peer.startsWith('ip:');
    if (tooWide(a.peer)) problems.push(`NetworkPolicy/${a.policy}: ${a.pod} may reach ${describePeer(a.peer)}, far more than one API server`);
    else if (required.some((r) => covers(a, r))) continue;
    else if (a.dir === 'ingress') {
      const rule = outside && a.pod !== EDGE_SERVICE ? 'only the gateway takes traffic from outside the namespace' : 'only named peers may connect';
      problems.push(`NetworkPolicy/${a.policy}: ${a.pod} accepts ${a.port} from ${describePeer(a.peer)}: ${rule}`);
    } else {
      problems.push(`NetworkPolicy/${a.policy}: ${a.pod} may connect to ${describePeer(a.peer)} on ${a.port}: a pod reaches only its own database and its named peers`);
    }
  }
  for (const r of required) {
    if (allowed.paths.some((a) => covers(a, r))) continue;
    const peer = r.peer === 'dns' ? 'DNS' : r.peer === 'ip:*' ? 'the Kubernetes API server' : describePeer(r.peer);
    problems.push(`${r.pod}: no NetworkPolicy allows ${r.dir} ${r.dir === 'ingress' ? 'from' : 'to'} ${peer} on ${r.port} (${r.why})`);
  }
  return [...new Set(problems)];
}
