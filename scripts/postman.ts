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
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, repoRoot, startEmbeddedPostgres } from '@questline/devstack';

/* eslint-disable @typescript-eslint/no-explicit-any -- OpenAPI and Postman documents are loose JSON */
type Json = any;

export const collectionFile = path.join(repoRoot, 'postman/questline.postman_collection.json');
export const environmentFile = path.join(repoRoot, 'postman/questline.postman_environment.json');
export const SEED_FOLDER = 'Seed scenario';
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
const pathValues: Record<string, string> = { userId: '{{userId}}', key: '{{questKey}}', id: '{{rewardId}}' };

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

const bearer = (variable: string) => ({ type: 'bearer', bearer: [{ key: 'token', value: `{{${variable}}}`, type: 'string' }] });
const jsonBody = (body: unknown) => ({ mode: 'raw', raw: JSON.stringify(body, null, 2), options: { raw: { language: 'json' } } });
const script = (listen: 'prerequest' | 'test', lines: string[]) => ({ listen, script: { type: 'text/javascript', exec: lines } });

function urlOf(apiPath: string, query: { key: string; value: string; disabled?: boolean; description?: string }[] = []) {
  const postmanPath = apiPath.replace(/\{([^}]+)\}/g, ':$1');
  const variables = [...apiPath.matchAll(/\{([^}]+)\}/g)].map((m) => ({ key: m[1]!, value: pathValues[m[1]!] ?? `{{${m[1]}}}` }));
  const active = query.filter((q) => !q.disabled);
  const raw = `{{baseUrl}}${postmanPath}${active.length ? `?${active.map((q) => `${q.key}=${q.value}`).join('&')}` : ''}`;
  const url: Json = { raw, host: ['{{baseUrl}}'], path: postmanPath.split('/').filter(Boolean) };
  if (query.length) url.query = query;
  if (variables.length) url.variable = variables;
  return url;
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

/** Retries the current request (rewards and login events arrive asynchronously) at most `max` times. */
function retryUnless(condition: string, counter: string, max = 20): string[] {
  return [
    `const tries = Number(pm.collectionVariables.get("${counter}") || 0);`,
    `if (!(${condition}) && tries < ${max}) {`,
    '  // Paid asynchronously (usually within a second): ask again.',
    `  pm.collectionVariables.set("${counter}", tries + 1);`,
    '  postman.setNextRequest(pm.info.requestName);',
    '} else {',
  ];
}
const pause = (counter: string) => script('prerequest', [`if (Number(pm.collectionVariables.get("${counter}") || 0) > 0) { setTimeout(function () {}, 500); }`]);

function seedRequest(name: string, method: string, apiPath: string, opts: { body?: unknown; auth?: Json; events: Json[] }): Json {
  const request: Json = { method, header: [], url: urlOf(apiPath) };
  if (opts.body !== undefined) {
    request.header.push({ key: 'Content-Type', value: 'application/json' });
    request.body = jsonBody(opts.body);
  }
  if (opts.auth) request.auth = opts.auth;
  return { name, event: opts.events, request };
}

/** The seed scenario of the README, in order, with assertions and the tokens saved in variables. */
function seedFolder(): Json {
  const status = (code: number, label: string) => `pm.test("${code} ${label}", function () { pm.response.to.have.status(${code}); });`;
  const noauth = { type: 'noauth' };
  return {
    name: SEED_FOLDER,
    description: 'The seed scenario in order (run the folder with the Collection Runner): sign up, log in, 10 gold from daily-login, two backdated logins, claim sign-in-three-times, ledger.',
    item: [
      seedRequest('Sign up', 'POST', '/api/v1/auth/signup', {
        auth: noauth,
        body: { username: '{{seedUsername}}', password: '{{seedPassword}}', timezone: 'UTC' },
        events: [
          script('prerequest', ['pm.collectionVariables.set("seedUsername", "ada_" + Date.now().toString(36));']),
          script('test', [
            status(201, 'Created'),
            'const body = pm.response.json();',
            'pm.test("a new account with empty balances", function () {',
            '  pm.expect(body.user.status).to.equal("new");',
            '  pm.expect(body.user.balances.gold).to.equal(0);',
            '});',
            'pm.collectionVariables.set("userId", body.user.id);',
          ]),
        ],
      }),
      seedRequest('Log in', 'POST', '/api/v1/auth/login', {
        auth: noauth,
        body: { username: '{{seedUsername}}', password: '{{seedPassword}}' },
        events: [
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("a bearer token pair", function () { pm.expect(body.tokenType).to.equal("Bearer"); });',
            'pm.collectionVariables.set("accessToken", body.accessToken);',
            'pm.collectionVariables.set("refreshToken", body.refreshToken);',
            'pm.collectionVariables.set("meTries", 0);',
          ]),
        ],
      }),
      seedRequest('Me: 10 gold from daily-login', 'GET', '/api/v1/me', {
        events: [
          pause('meTries'),
          script('test', [
            'const me = pm.response.json();',
            ...retryUnless('me.user && me.user.balances.gold >= 10', 'meTries'),
            `  ${status(200, 'OK')}`,
            '  pm.test("the first login of the day paid 10 gold", function () { pm.expect(me.user.balances.gold).to.equal(10); });',
            '}',
          ]),
        ],
      }),
      seedRequest('My quests: daily-login done, streak 1 of 3', 'GET', '/api/v1/me/quests', {
        events: [
          script('test', [
            status(200, 'OK'),
            'const items = pm.response.json().items;',
            'const byKey = function (k) { return items.filter(function (i) { return i.quest.key === k; })[0]; };',
            'pm.test("daily-login is completed for today", function () { pm.expect(byKey("daily-login").status).to.equal("completed"); });',
            'pm.test("sign-in-three-times is at 1 of 3", function () {',
            '  pm.expect(byKey("sign-in-three-times").progress).to.equal(1);',
            '  pm.expect(byKey("sign-in-three-times").target).to.equal(3);',
            '});',
          ]),
        ],
      }),
      seedRequest('Admin: log in', 'POST', '/api/v1/auth/login', {
        auth: noauth,
        body: { username: '{{adminUsername}}', password: '{{adminPassword}}' },
        events: [
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("an admin", function () { pm.expect(body.user.role).to.equal("admin"); });',
            'pm.collectionVariables.set("adminAccessToken", body.accessToken);',
          ]),
        ],
      }),
      seedRequest('Admin: logins on the two previous days', 'POST', '/api/v1/admin/events', {
        auth: bearer('adminAccessToken'),
        body: {
          events: [
            { id: '{{seedUsername}}-import-1', userId: '{{userId}}', type: 'login', occurredAt: '{{twoDaysAgo}}' },
            { id: '{{seedUsername}}-import-2', userId: '{{userId}}', type: 'login', occurredAt: '{{oneDayAgo}}' },
          ],
        },
        events: [
          script('prerequest', [
            'const day = 24 * 60 * 60 * 1000;',
            'pm.collectionVariables.set("twoDaysAgo", new Date(Date.now() - 2 * day).toISOString());',
            'pm.collectionVariables.set("oneDayAgo", new Date(Date.now() - day).toISOString());',
          ]),
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("both events accepted", function () {',
            '  pm.expect(body.accepted).to.equal(2);',
            '  pm.expect(body.rejected).to.have.lengthOf(0);',
            '});',
          ]),
        ],
      }),
      seedRequest('My quests: three days in a row', 'GET', '/api/v1/me/quests', {
        events: [
          script('test', [
            status(200, 'OK'),
            'const item = pm.response.json().items.filter(function (i) { return i.quest.key === "sign-in-three-times"; })[0];',
            'pm.test("sign-in-three-times is claimable", function () {',
            '  pm.expect(item.status).to.equal("claimable");',
            '  pm.expect(item.claimable).to.equal(1);',
            '});',
          ]),
        ],
      }),
      seedRequest('Claim sign-in-three-times', 'POST', '/api/v1/me/quests/sign-in-three-times/claim', {
        events: [
          script('test', [
            status(200, 'OK'),
            'pm.test("10 diamonds", function () { pm.expect(pm.response.json().rewarded.items).to.eql([{ currency: "diamond", amount: 10 }]); });',
            'pm.collectionVariables.set("ledgerTries", 0);',
          ]),
        ],
      }),
      seedRequest('Claim again: nothing to claim', 'POST', '/api/v1/me/quests/sign-in-three-times/claim', {
        events: [
          script('test', [
            status(409, 'Conflict'),
            'pm.test("NOTHING_TO_CLAIM", function () { pm.expect(pm.response.json().error.code).to.equal("NOTHING_TO_CLAIM"); });',
          ]),
        ],
      }),
      seedRequest('Ledger: 3 × 10 gold and 10 diamonds', 'GET', '/api/v1/me/ledger', {
        events: [
          pause('ledgerTries'),
          script('test', [
            'const items = pm.response.json().items || [];',
            'const diamonds = items.filter(function (e) { return e.currency === "diamond"; });',
            'const gold = items.filter(function (e) { return e.currency === "gold"; });',
            ...retryUnless('diamonds.length > 0 && gold.length >= 3', 'ledgerTries'),
            `  ${status(200, 'OK')}`,
            '  pm.test("10 diamonds from sign-in-three-times, once", function () {',
            '    pm.expect(diamonds).to.have.lengthOf(1);',
            '    pm.expect(diamonds[0].amount).to.equal(10);',
            '    pm.expect(diamonds[0].source.questKey).to.equal("sign-in-three-times");',
            '  });',
            '  pm.test("10 gold from daily-login for each of the three days", function () {',
            '    pm.expect(gold).to.have.lengthOf(3);',
            '    gold.forEach(function (e) {',
            '      pm.expect(e.amount).to.equal(10);',
            '      pm.expect(e.source.questKey).to.equal("daily-login");',
            '    });',
            '  });',
            '}',
          ]),
        ],
      }),
    ],
  };
}

export function buildCollection(doc: Json): Json {
  const variable = ['accessToken', 'refreshToken', 'adminAccessToken', 'userId', 'seedUsername', 'twoDaysAgo', 'oneDayAgo', 'meTries', 'ledgerTries']
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
    item: [seedFolder(), ...operationFolders(doc)],
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

/** The OpenAPI document of a throwaway stack (its own PostgreSQL when no test server is given). */
async function openApiFromStack(): Promise<Json> {
  let stopPg: (() => Promise<void>) | undefined;
  let base: string | undefined;
  if (!process.env.QUESTLINE_TEST_PG_URL) {
    base = await mkdtemp(path.join(tmpdir(), 'questline-postman-'));
    const pg = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex'), ephemeral: true });
    process.env.QUESTLINE_TEST_PG_URL = pg.url;
    stopPg = () => pg.stop();
  }
  process.env.STACK_LOG_LEVEL ??= 'warn';
  // Imported only now: the testkit reads QUESTLINE_TEST_PG_URL when it loads.
  const { startTestStack } = await import('@questline/testkit');
  const stack = await startTestStack({ name: 'postman' });
  try {
    const res = await fetch(`${stack.gateway}/api/v1/openapi.json`);
    if (!res.ok) throw new Error(`openapi.json answered ${res.status}`);
    return await res.json();
  } finally {
    await stack.close();
    await stopPg?.();
    if (base) await rm(base, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--url');
  const doc = at >= 0 && args[at + 1] ? await (await fetch(args[at + 1]!)).json() : await openApiFromStack();
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
