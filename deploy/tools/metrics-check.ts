/**
 * The dashboards and alerts must query metrics that exist. The metric names are read from our
 * sources (every `metrics.counter|gauge|histogram|summary('name', …)` and `new Counter|Gauge|
 * Histogram|Summary({ name: … })` in services/<name>/src and packages/platform/src, found with the
 * TypeScript parser), plus prom-client's default metrics when the sources collect them; queries
 * are parsed with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parser } from '@prometheus-io/lezer-promql';
import { Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import type { K8sObject } from './kustomize.js';

export interface ExportedMetrics {
  /** Exact series names (histograms and summaries with their _bucket/_sum/_count series). */
  names: Set<string>;
  /** Names built from template strings (`questline_${kind}_outbox_backlog`). */
  patterns: RegExp[];
}

/** Exporters outside our code whose metrics a query may use, by name prefix. */
const EXTERNAL_EXPORTERS = [
  // Part of every Prometheus Operator stack (kube-prometheus-stack); docs/deploy.md assumes one.
  { prefix: 'kube_', source: 'kube-state-metrics', present: () => true },
  // CloudNativePG's exporter, scraped only where a Cluster enables its PodMonitor.
  { prefix: 'cnpg_', source: 'the CloudNativePG exporter', present: (objects: K8sObject[]) => objects.some((o) => o.kind === 'Cluster' && o.spec?.monitoring?.enablePodMonitor === true) },
];

const METRIC_KINDS = new Set(['counter', 'gauge', 'histogram', 'summary']);
const SERIES_SUFFIXES: Record<string, string[]> = { counter: [''], gauge: [''], histogram: ['', '_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function sourceFiles(root: string): string[] {
  const dirs = [path.join(root, 'packages/platform/src'), ...readdirSync(path.join(root, 'services')).map((s) => path.join(root, 'services', s, 'src'))];
  return dirs.flatMap((dir) => {
    try {
      return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  });
}

/** A metric name from a string literal, or a pattern from a template with substitutions. */
function nameOf(node: ts.Expression | undefined): string | RegExp | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const body = escape(node.head.text) + node.templateSpans.map((s) => `[a-zA-Z0-9_]+${escape(s.literal.text)}`).join('');
    return new RegExp(`^${body}$`);
  }
  return undefined;
}

function record(out: ExportedMetrics, kind: string, name: string | RegExp | undefined) {
  if (name === undefined) return;
  for (const suffix of SERIES_SUFFIXES[kind] ?? ['']) {
    if (typeof name === 'string') out.names.add(name + suffix);
    else out.patterns.push(new RegExp(name.source.replace(/\$$/, `${suffix}$`)));
  }
}

function defaultMetricNames(out: ExportedMetrics) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const m of registry.getMetricsAsArray()) {
    const name = (m as unknown as { name: string }).name;
    record(out, m instanceof Histogram ? 'histogram' : m instanceof Summary ? 'summary' : 'gauge', name);
  }
  registry.clear();
}

/** Every metric our services export, read from their sources. */
export function exportedMetrics(root: string): ExportedMetrics {
  const out: ExportedMetrics = { names: new Set(), patterns: [] };
  let collectsDefaults = false;
  for (const file of sourceFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        if (ts.isIdentifier(callee) && callee.text === 'collectDefaultMetrics') collectsDefaults = true;
        if (ts.isPropertyAccessExpression(callee) && METRIC_KINDS.has(callee.name.text)) record(out, callee.name.text, nameOf(node.arguments[0]));
      }
      if (ts.isNewExpression(node)) {
        const kind = node.expression.getText(source).split('.').pop()!.toLowerCase();
        const options = node.arguments?.[0];
        if (METRIC_KINDS.has(kind) && options && ts.isObjectLiteralExpression(options)) {
          const prop = options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === 'name');
          record(out, kind, nameOf(prop?.initializer));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  if (collectsDefaults) defaultMetricNames(out);
  return out;
}

/** The metric names a PromQL expression selects, or why it does not parse. */
export function promqlMetricNames(expr: string): { names: string[]; error?: string } {
  const names: string[] = [];
  let error: string | undefined;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) error ??= `does not parse at offset ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`;
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.push(expr.slice(id.from, id.to));
      }
      if (node.name === 'UnquotedLabelMatcher' && /^__name__\s*=\s*"/.test(expr.slice(node.from, node.to))) {
        names.push(/"([^"]*)"/.exec(expr.slice(node.from, node.to))![1]!);
      }
    },
  });
  return error ? { names, error } : { names };
}

function checkQuery(expr: unknown, where: string, metrics: ExportedMetrics, objects: K8sObject[]): string[] {
  if (typeof expr !== 'string' || !expr.trim()) return [`${where}: expr must be a non-empty PromQL string`];
  const { names, error } = promqlMetricNames(expr);
  if (error) return [`${where}: PromQL ${error}`];
  if (names.length === 0) return [`${where}: selects no metric`];
  const problems: string[] = [];
  for (const name of names) {
    if (metrics.names.has(name) || metrics.patterns.some((p) => p.test(name))) continue;
    const external = EXTERNAL_EXPORTERS.find((e) => name.startsWith(e.prefix));
    if (external?.present(objects)) continue;
    problems.push(`${where}: metric ${name} is exported by none of our services${external ? ` (and ${external.source} is not deployed)` : ''}`);
  }
  return problems;
}

interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  targets?: Array<{ refId?: unknown; expr?: unknown }>;
  panels?: Panel[];
}

function checkPanels(panels: Panel[], where: string, metrics: ExportedMetrics, objects: K8sObject[], ids: Set<unknown>): string[] {
  const problems: string[] = [];
  for (const [i, panel] of panels.entries()) {
    const at = `${where} panel ${typeof panel.title === 'string' ? JSON.stringify(panel.title) : i}`;
    if (ids.has(panel.id)) problems.push(`${at}: panel id ${String(panel.id)} is not unique`);
    ids.add(panel.id);
    if (typeof panel.type !== 'string' || typeof panel.title !== 'string') problems.push(`${at}: type and title are required`);
    if (panel.type === 'row') {
      problems.push(...checkPanels(panel.panels ?? [], where, metrics, objects, ids));
      continue;
    }
    if (!Array.isArray(panel.targets) || panel.targets.length === 0) {
      problems.push(`${at}: needs at least one target`);
      continue;
    }
    const refIds = new Set<unknown>();
    for (const t of panel.targets) {
      if (typeof t.refId !== 'string' || refIds.has(t.refId)) problems.push(`${at}: each target needs its own refId`);
      refIds.add(t.refId);
      problems.push(...checkQuery(t.expr, `${at} target ${String(t.refId)}`, metrics, objects));
    }
  }
  return problems;
}

/** Grafana dashboards (ConfigMaps labelled grafana_dashboard) and PrometheusRule expressions. */
export function checkMonitoring(objects: K8sObject[], metrics: ExportedMetrics): string[] {
  const problems: string[] = [];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && (o.metadata.labels as Record<string, string> | undefined)?.grafana_dashboard)) {
    const files = Object.entries((cm.data ?? {}) as Record<string, string>).filter(([k]) => k.endsWith('.json'));
    if (files.length === 0) problems.push(`ConfigMap/${cm.metadata.name}: a grafana_dashboard ConfigMap holds no .json dashboard`);
    for (const [file, text] of files) {
      const where = `ConfigMap/${cm.metadata.name} ${file}`;
      let dashboard: { title?: unknown; panels?: unknown };
      try {
        dashboard = JSON.parse(text) as typeof dashboard;
      } catch (err) {
        problems.push(`${where}: not JSON (${(err as Error).message})`);
        continue;
      }
      if (typeof dashboard.title !== 'string') problems.push(`${where}: the dashboard needs a title`);
      if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) problems.push(`${where}: the dashboard has no panels`);
      else problems.push(...checkPanels(dashboard.panels as Panel[], where, metrics, objects, new Set()));
    }
  }
  for (const rule of objects.filter((o) => o.kind === 'PrometheusRule')) {
    for (const group of rule.spec?.groups ?? []) {
      for (const r of group.rules ?? []) {
        problems.push(...checkQuery(r.expr, `PrometheusRule/${rule.metadata.name} ${r.alert ?? r.record}`, metrics, objects));
      }
    }
  }
  return problems;
}
