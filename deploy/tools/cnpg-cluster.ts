/**
 * CloudNativePG `Cluster` validation against the operator's real schema: the JSON schema of the
 * Cluster CRD that @kubernetes-models/cloudnative-pg ships (generated from the CRD of CloudNativePG
 * 1.24.1; see its package.json `crd-generate.input`). The fields we use are unchanged up to the
 * 1.27 operator that docs/deploy.md installs.
 *
 * A CRD's structural schema does not reject unknown fields (the API server silently prunes them),
 * and neither does the generated validator, so a misspelt field (`enablePodMonitr`) would be
 * dropped without a word. We therefore also walk the object against the field tree of the same
 * package's TypeScript declaration of the Cluster and report every field it does not declare.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ts from 'typescript';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import type { K8sObject } from './kustomize.js';

type Shape = { kind: 'object'; fields: Map<string, Shape>; rest?: Shape } | { kind: 'array'; items: Shape } | { kind: 'leaf' };

const LEAF: Shape = { kind: 'leaf' };

function shapeOf(node: ts.TypeNode): Shape {
  if (ts.isParenthesizedTypeNode(node)) return shapeOf(node.type);
  if (ts.isArrayTypeNode(node)) return { kind: 'array', items: shapeOf(node.elementType) };
  if (ts.isTypeReferenceNode(node) && node.typeName.getText() === 'Array' && node.typeArguments?.[0]) {
    return { kind: 'array', items: shapeOf(node.typeArguments[0]) };
  }
  if (ts.isUnionTypeNode(node)) {
    // e.g. `number | string` for quantities: a leaf unless one member is an object.
    const literal = node.types.find((t) => ts.isTypeLiteralNode(t));
    return literal ? shapeOf(literal) : LEAF;
  }
  if (ts.isTypeLiteralNode(node)) {
    const fields = new Map<string, Shape>();
    let rest: Shape | undefined;
    for (const m of node.members) {
      if (ts.isPropertySignature(m) && m.type) fields.set(m.name.getText().replace(/^"|"$/g, ''), shapeOf(m.type));
      else if (ts.isIndexSignatureDeclaration(m)) rest = shapeOf(m.type);
    }
    return { kind: 'object', fields, rest };
  }
  // Type references (ObjectMeta and the like) are validated by the schema check, not walked here.
  return LEAF;
}

let clusterShape: Shape | undefined;

/** The field tree of `ICluster`, read once from the package's declaration file. */
function loadClusterShape(): Shape {
  if (clusterShape) return clusterShape;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster').replace(/\.js$/, '.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const iface = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'ICluster');
  if (!iface) throw new Error(`${file} declares no ICluster`);
  const literal = ts.factory.createTypeLiteralNode([...iface.members] as ts.TypeElement[]);
  clusterShape = shapeOf(literal);
  return clusterShape;
}

function unknownFields(value: unknown, shape: Shape, where: string): string[] {
  if (shape.kind === 'array') {
    return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, shape.items, `${where}[${i}]`)) : [];
  }
  if (shape.kind !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const field = shape.fields.get(key) ?? shape.rest;
    if (!field) problems.push(`${where}.${key} is not a field of the CloudNativePG Cluster`);
    else problems.push(...unknownFields(v, field, `${where}.${key}`));
  }
  return problems;
}

export function checkCnpgCluster(o: K8sObject): string[] {
  const problems: string[] = [];
  try {
    new Cluster(o as unknown as ConstructorParameters<typeof Cluster>[0]).validate();
  } catch (err) {
    problems.push(`schema: ${(err as Error).message}`);
  }
  const shape = loadClusterShape();
  if (shape.kind === 'object') {
    for (const [key, v] of Object.entries(o)) {
      const field = shape.fields.get(key);
      if (!field) problems.push(`${key} is not a field of the CloudNativePG Cluster`);
      else problems.push(...unknownFields(v, field, key));
    }
  }
  // The schema takes any image; ours must name the PostgreSQL version it runs.
  if (!/:\d/.test(String(o.spec?.imageName ?? ''))) problems.push('spec.imageName must pin a version');
  return problems;
}
