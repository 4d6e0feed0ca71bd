/**
 * Generates the Postman v2.1 collection and environment (postman/*.json) from the gateway's
 * OpenAPI document: one request per operation, grouped by tag, and a "Seed scenario" folder that
 * plays the seed's story in order with test scripts.
 *
 *   npx tsx scripts/postman.ts            # starts a throwaway stack and writes postman/*.json
 *   npx tsx scripts/postman.ts --check    # the same, but exits 1 when the committed files differ
 *   npx tsx scripts/postman.ts --url http://127.0.0.1:8080/api/v1/openapi.json   # a running gateway
 *
 * Without --url the stack's databases live on QUESTLINE_TEST_PG_URL, or on an embedded PostgreSQL
 * started for the run. tests/web-postman.test.ts fails when the committed files are out of date.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@questline/devstack';
import { openApiFromArgs } from './openapi-document.js';
import { bearer, jsonBody, urlOf, type Json } from './postman-parts.js';
import { BACKEND_FOLDER, backendFolder } from './postman-backend-folder.js';
import { SEED_FOLDER, seedFolder } from './postman-seed-folder.js';

export { BACKEND_FOLDER, SEED_FOLDER };


export const collectionFile = path.join(repoRoot, 'postman/questline.postman_collection.json');
export const environmentFile = path.join(repoRoot, 'postman/questline.postman_environment.json');
const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

/** A stable uuid-shaped id, so that regenerating an unchanged document changes nothing. */
function stableId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Placeholders that name the collection's own variables (so requests chain without editing). */
const namedValues: Record<string, unknown> = {
  username: '{{seedUsername}}',
  password: '{{seedPassword}}',
  refreshToken: '{{refreshToken}}',
  rewardId: '{{rewardId}}',
  userId: '{{userId}}',
  idempotencyKey: '{{$guid}}',
  timezone: 'Europe/Paris',
  currency: 'gold',
};

/** An example value for a JSON schema: example, default, first choice, or a typed placeholder. */
export function sampleOf(schema: Json, name = '', depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if (name in namedValues) return namedValues[name];
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined && schema.default !== null && !(Array.isArray(schema.default) && schema.default.length === 0)) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) return sampleOf(union.find((s: Json) => s.type !== 'null') ?? union[0], name, depth + 1);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries<Json>(schema.properties ?? {})) out[k] = sampleOf(s, k, depth + 1);
      return out;
    }
    case 'array':
      return [sampleOf(schema.items, name, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'uuid') return '{{$guid}}';
      return name || 'string';
    default:
      return null;
  }
}

function requestFor(apiPath: string, method: string, op: Json): Json {
  const query = (op.parameters ?? [])
    .filter((p: Json) => p.in === 'query')
    .map((p: Json) => {
      const q: Json = { key: p.name, value: String(sampleOf(p.schema, p.name) ?? '') };
      if (!p.required) q.disabled = true;
      if (p.description) q.description = p.description;
      return q;
    });
  const request: Json = { method: method.toUpperCase(), header: [], url: urlOf(apiPath, query) };
  const schema = op.requestBody?.content?.['application/json']?.schema;
  if (schema) {
    request.header.push({ key: 'Content-Type', value: 'application/json' });
    request.body = jsonBody(sampleOf(schema));
  }
  // Authenticated calls inherit the player's token from the collection; admin routes use the admin's.
  if (!op.security?.length) request.auth = { type: 'noauth' };
  else if (apiPath.startsWith('/api/v1/admin/')) request.auth = bearer('adminAccessToken');
  // Server routes outside /admin (external users, sessions, debits) take the backend's API key.
  else if (op.security.some((s: Json) => 'apiKey' in s)) request.auth = bearer('apiKey');
  const description = [op.description, op.security?.length ? 'Needs a bearer token.' : 'No authentication.'].filter(Boolean).join('\n\n');
  if (description) request.description = description;
  return { name: op.summary ?? `${method.toUpperCase()} ${apiPath}`, request };
}

/** Folders by tag (alphabetical), requests by path then method, as in the document. */
function operationFolders(doc: Json): Json[] {
  const folders = new Map<string, Json[]>();
  for (const apiPath of Object.keys(doc.paths ?? {}).sort()) {
    const ops = doc.paths[apiPath];
    for (const method of METHOD_ORDER) {
      const op = ops[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!folders.has(tag)) folders.set(tag, []);
      folders.get(tag)!.push(requestFor(apiPath, method, op));
    }
  }
  return [...folders.keys()]
    .sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }))
    .map((tag) => ({ name: tag, item: folders.get(tag) }));
}

export function buildCollection(doc: Json): Json {
  const variable = [
    ...['accessToken', 'refreshToken', 'adminAccessToken', 'userId', 'seedUsername', 'twoDaysAgo', 'oneDayAgo', 'meTries', 'ledgerTries'],
    ...['apiKey', 'apiKeyId', 'externalId', 'purchaseQuest', 'orderId', 'playerId', 'playerSession', 'questTries'],
  ]
    .map((key) => ({ key, value: '' }))
    .concat([
      { key: 'questKey', value: 'daily-login' },
      { key: 'rewardId', value: '' },
    ]);
  return {
    info: {
      _postman_id: stableId('questline-collection'),
      name: doc.info?.title ?? 'Questline API',
      description: `${doc.info?.description ?? ''}\n\nGenerated by scripts/postman.ts from the gateway's OpenAPI document (version ${doc.info?.version ?? '?'}). Do not edit by hand.`,
      schema: POSTMAN_SCHEMA,
    },
    auth: bearer('accessToken'),
    variable,
    item: [seedFolder(), backendFolder(), ...operationFolders(doc)],
  };
}

export function buildEnvironment(): Json {
  const values = [
    { key: 'baseUrl', value: 'http://127.0.0.1:8080', type: 'default' },
    { key: 'adminUsername', value: 'admin', type: 'default' },
    { key: 'adminPassword', value: '', type: 'secret' },
    { key: 'seedPassword', value: 'correct-horse-battery', type: 'secret' },
  ];
  return { id: stableId('questline-environment'), name: 'Questline (local)', values: values.map((v) => ({ ...v, enabled: true })), _postman_variable_scope: 'environment' };
}

/** Drops what Postman rewrites on every export (ids, export stamps), for comparisons. */
export function normalize(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(value).sort()) {
      if (['_postman_id', 'id', '_exporter_id', '_postman_exported_at', '_postman_exported_using'].includes(k)) continue;
      out[k] = normalize(value[k]);
    }
    return out;
  }
  return value;
}

export const serialize = (doc: Json) => `${JSON.stringify(doc, null, 2)}\n`;

async function main() {
  const args = process.argv.slice(2);
  const doc = await openApiFromArgs(args, 'postman');
  const outputs: [string, Json][] = [
    [collectionFile, buildCollection(doc)],
    [environmentFile, buildEnvironment()],
  ];
  if (args.includes('--check')) {
    let stale = false;
    for (const [file, generated] of outputs) {
      const committed = JSON.parse(await readFile(file, 'utf8').catch(() => 'null'));
      if (JSON.stringify(normalize(committed)) !== JSON.stringify(normalize(generated))) {
        process.stderr.write(`${path.relative(repoRoot, file)} is out of date: run npx tsx scripts/postman.ts\n`);
        stale = true;
      }
    }
    process.exit(stale ? 1 : 0);
  }
  for (const [file, generated] of outputs) {
    await writeFile(file, serialize(generated));
    process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
