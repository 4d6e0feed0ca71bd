/**
 * Renders a kustomization to objects: with `kubectl kustomize` when kubectl is installed, otherwise
 * with the small subset of kustomize that our manifests use (resources, namespace, images, JSON 6902
 * patches with a kind/name target). The test suite checks that both give the same objects wherever
 * kubectl is present, so the fallback cannot drift from the real thing unnoticed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: any };

interface Kustomization {
  namespace?: string;
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ path: string; target: { kind?: string; name?: string } }>;
}

type Op = { op: 'replace' | 'add' | 'remove'; path: string; value?: unknown };

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PersistentVolume']);

export function parseYamlObjects(text: string): K8sObject[] {
  return parseAllDocuments(text, { merge: true })
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function renderWithKubectl(dir: string): K8sObject[] {
  return parseYamlObjects(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

function pointer(pathText: string): string[] {
  return pathText.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOp(obj: any, op: Op) {
  const parts = pointer(op.path);
  const last = parts.pop()!;
  let parent = obj;
  for (const p of parts) {
    parent = Array.isArray(parent) ? parent[Number(p)] : parent?.[p];
    if (parent === undefined) throw new Error(`patch path ${op.path} not found`);
  }
  if (op.op === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (Array.isArray(parent) && last === '-') parent.push(op.value);
  else if (Array.isArray(parent) && op.op === 'add') parent.splice(Number(last), 0, op.value);
  else {
    if (op.op === 'replace' && !(last in parent)) throw new Error(`patch path ${op.path} not found`);
    parent[last] = op.value;
  }
}

function podSpecs(obj: K8sObject): any[] {
  if (obj.kind === 'Pod') return [obj.spec];
  if (obj.kind === 'CronJob') return [obj.spec?.jobTemplate?.spec?.template?.spec];
  return [obj.spec?.template?.spec].filter(Boolean);
}

function setImages(obj: K8sObject, images: NonNullable<Kustomization['images']>) {
  for (const spec of podSpecs(obj)) {
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      const [name, tag] = String(c.image).split(':');
      const rule = images.find((i) => i.name === name);
      if (rule) c.image = `${rule.newName ?? name}:${rule.newTag ?? tag}`;
    }
  }
}

export function renderFallback(dir: string): K8sObject[] {
  const k = parseYamlObjects(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0] as unknown as Kustomization;
  const objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const full = path.join(dir, r);
    if (statSync(full).isDirectory()) objects.push(...renderFallback(full));
    else objects.push(...parseYamlObjects(readFileSync(full, 'utf8')));
  }
  for (const obj of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = k.namespace;
    if (k.images) setImages(obj, k.images);
  }
  for (const patch of k.patches ?? []) {
    const ops = parseYamlObjects(readFileSync(path.join(dir, patch.path), 'utf8'))[0] as unknown as Op[];
    for (const obj of objects) {
      if (patch.target.kind && obj.kind !== patch.target.kind) continue;
      if (patch.target.name && obj.metadata.name !== patch.target.name) continue;
      for (const op of ops) applyOp(obj, op);
    }
  }
  return objects;
}

export function render(dir: string): K8sObject[] {
  if (!existsSync(path.join(dir, 'kustomization.yaml'))) throw new Error(`${dir} has no kustomization.yaml`);
  return kubectlAvailable() ? renderWithKubectl(dir) : renderFallback(dir);
}
