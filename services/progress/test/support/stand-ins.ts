import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { EventTypeRule, GrantRequest, InternalUser, PublishedQuest, ResolveExternalUsersRequest, RetiredQuest, WebhookMessagesRequest } from '@questline/contracts';
import { NonceCache, verifyInternal, type ApiKeyCaller } from '@questline/platform';
import { generateSigningJwk } from '@questline/testkit';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789';

async function readRaw(req: IncomingMessage): Promise<string> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw;
}

/** Like our services do: only correctly signed, fresh internal calls get in. */
function signedInternal(req: IncomingMessage, raw: string, nonces: NonceCache): boolean {
  return verifyInternal(INTERNAL_TOKEN, { method: req.method ?? 'GET', path: req.url ?? '', body: raw, headers: req.headers }, nonces) === 'ok';
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface GrantCall {
  status: number;
  body: GrantRequest;
}

/**
 * A small real auth: JWKS, GET /internal/users/:id and an idempotent POST /internal/grants (and
 * /internal/grants/batch, the relay's: one GrantCall per grant it carries) that can be told to fail.
 */
export interface AuthStandIn {
  url: string;
  users: Map<string, InternalUser>;
  grantCalls: GrantCall[];
  /** GET /internal/users/:id calls received, by user id. */
  lookups: string[];
  /** External id → user id, as POST /internal/users/external/resolve knows them (it adds the unknown ones). */
  externalIds: Map<string, string>;
  /** POST /internal/users/external/resolve calls received (their bodies). */
  resolveCalls: ResolveExternalUsersRequest[];
  /** What POST /internal/api-keys/verify answers, by secret; a missing secret → 404. */
  apiKeys: Map<string, ApiKeyCaller>;
  /**
   * Answer the next n grant calls with this status and error code (503 UNAVAILABLE by default) before
   * accepting again. A batch counts as one call, refused whole — except UNKNOWN_USER, which a batch
   * answers per grant (the next n grants it carries).
   */
  failNextGrants(n: number, status?: number, code?: string): void;
  /** Runs while a grant request is being answered (before anything is paid), to look at the caller's side. */
  whileGranting(hook: ((grant: GrantRequest) => Promise<void>) | undefined): void;
  addUser(overrides?: Partial<InternalUser>): InternalUser;
  token(user: Pick<InternalUser, 'id' | 'role' | 'status' | 'timezone'>): Promise<string>;
  successfulGrants(key: string): GrantCall[];
  /** POST /internal/webhook-messages calls received (their status and bodies). */
  webhookCalls: Array<{ status: number; body: WebhookMessagesRequest }>;
  /** Answer the next n webhook-message calls with 503 before accepting again. */
  failNextWebhookMessages(n: number): void;
  close(): Promise<void>;
}

export async function startAuthStandIn(): Promise<AuthStandIn> {
  const jwk = JSON.parse(await generateSigningJwk()) as Record<string, string>;
  const { d: _private, ...publicJwk } = jwk;
  const signingKey = await importJWK(jwk, 'EdDSA');
  const users = new Map<string, InternalUser>();
  const grantCalls: GrantCall[] = [];
  const lookups: string[] = [];
  const externalIds = new Map<string, string>();
  const resolveCalls: ResolveExternalUsersRequest[] = [];
  const apiKeys = new Map<string, ApiKeyCaller>();
  const paidKeys = new Set<string>();
  let failures: { left: number; status: number; code: string } = { left: 0, status: 503, code: 'UNAVAILABLE' };
  let duringGrant: ((grant: GrantRequest) => Promise<void>) | undefined;
  const nonces = new NonceCache();
  const webhookCalls: Array<{ status: number; body: WebhookMessagesRequest }> = [];
  let webhookFailures = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/.well-known/jwks.json') return send(res, 200, { keys: [publicJwk] });
      const raw = await readRaw(req);
      if (!signedInternal(req, raw, nonces)) return send(res, 401, { error: { code: 'UNAUTHENTICATED' } });
      const userMatch = /^\/internal\/users\/([^/]+)$/.exec(url);
      if (req.method === 'GET' && userMatch) {
        lookups.push(decodeURIComponent(userMatch[1]!));
        const user = users.get(decodeURIComponent(userMatch[1]!));
        return user ? send(res, 200, user) : send(res, 404, { error: { code: 'NOT_FOUND' } });
      }
      if (req.method === 'POST' && url === '/internal/users/external/resolve') {
        const body = JSON.parse(raw) as ResolveExternalUsersRequest;
        resolveCalls.push(body);
        const answer = body.users.map(({ externalId, timezone }) => {
          let id = externalIds.get(externalId);
          const created = id === undefined;
          if (id === undefined) {
            id = randomUUID();
            externalIds.set(externalId, id);
            users.set(id, { id, username: `ext${id.slice(0, 8)}`, role: 'player', status: 'new', timezone: timezone ?? 'UTC' });
          }
          return { externalId, created, user: users.get(id)! };
        });
        return send(res, 200, { users: answer });
      }
      if (req.method === 'POST' && url === '/internal/api-keys/verify') {
        const key = apiKeys.get((JSON.parse(raw) as { secret: string }).secret);
        return key ? send(res, 200, { apiKey: key }) : send(res, 404, { error: { code: 'NOT_FOUND' } });
      }
      if (req.method === 'POST' && url === '/internal/webhook-messages') {
        const body = JSON.parse(raw) as WebhookMessagesRequest;
        const status = webhookFailures > 0 ? 503 : 200;
        if (webhookFailures > 0) webhookFailures--;
        webhookCalls.push({ status, body });
        return status === 200 ? send(res, 200, { stored: body.messages.length }) : send(res, status, { error: { code: 'UNAVAILABLE' } });
      }
      if (req.method === 'POST' && url === '/internal/grants/batch') {
        const { grants } = JSON.parse(raw) as { grants: GrantRequest[] };
        for (const grant of grants) await duringGrant?.(grant);
        if (failures.left > 0 && failures.code !== 'UNKNOWN_USER') {
          failures.left--;
          for (const grant of grants) grantCalls.push({ status: failures.status, body: grant });
          return send(res, failures.status, { error: { code: failures.code } });
        }
        const results = grants.map((grant) => {
          if (failures.left > 0) {
            failures.left--;
            grantCalls.push({ status: failures.status, body: grant });
            return { idempotencyKey: grant.idempotencyKey, status: 'unknown_user', entryIds: [] };
          }
          const duplicate = paidKeys.has(grant.idempotencyKey);
          paidKeys.add(grant.idempotencyKey);
          grantCalls.push({ status: duplicate ? 200 : 201, body: grant });
          return { idempotencyKey: grant.idempotencyKey, status: duplicate ? 'duplicate' : 'applied', entryIds: [randomUUID()] };
        });
        return send(res, 200, { results });
      }
      if (req.method === 'POST' && url === '/internal/grants') {
        const body = JSON.parse(raw) as GrantRequest;
        await duringGrant?.(body);
        if (failures.left > 0) {
          failures.left--;
          grantCalls.push({ status: failures.status, body });
          return send(res, failures.status, { error: { code: failures.code } });
        }
        const duplicate = paidKeys.has(body.idempotencyKey);
        paidKeys.add(body.idempotencyKey);
        const status = duplicate ? 200 : 201;
        grantCalls.push({ status, body });
        return send(res, status, { duplicate, entryIds: [randomUUID()] });
      }
      return send(res, 404, { error: { code: 'NOT_FOUND' } });
    })().catch(() => send(res, 500, { error: { code: 'INTERNAL' } }));
  });
  const url = await listen(server);

  return {
    url,
    users,
    grantCalls,
    lookups,
    externalIds,
    resolveCalls,
    apiKeys,
    failNextGrants(n, status = 503, code = 'UNAVAILABLE') {
      failures = { left: n, status, code };
    },
    whileGranting(hook) {
      duringGrant = hook;
    },
    addUser(overrides = {}) {
      const id = overrides.id ?? randomUUID();
      const user: InternalUser = { id, username: `u${id.slice(0, 8)}`, role: 'player', status: 'active', timezone: 'UTC', ...overrides };
      users.set(id, user);
      return user;
    },
    async token(user) {
      return new SignJWT({ role: user.role, status: user.status, tz: user.timezone })
        .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid! })
        .setSubject(user.id)
        .setIssuer('questline-auth')
        .setAudience('questline')
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(signingKey);
    },
    webhookCalls,
    failNextWebhookMessages(n) {
      webhookFailures = n;
    },
    successfulGrants(key) {
      return grantCalls.filter((c) => c.body.idempotencyKey === key && c.status >= 200 && c.status < 300);
    },
    close: () => close(server),
  };
}

/** A small real catalog: GET /internal/quests with ETag / If-None-Match. */
export interface CatalogStandIn {
  url: string;
  /** A new revision; `retired` (archived quests' display fields) is sent only when given; `eventTypes` replace the declared ones when given. */
  setQuests(quests: PublishedQuest[], retired?: RetiredQuest[], eventTypes?: EventTypeRule[]): void;
  /** A new revision with these declared event types (sent only when set). */
  setEventTypes(eventTypes: EventTypeRule[] | undefined): void;
  quests(): PublishedQuest[];
  notModifiedCount(): number;
  close(): Promise<void>;
}

export async function startCatalogStandIn(initial: PublishedQuest[], initialEventTypes?: EventTypeRule[]): Promise<CatalogStandIn> {
  let quests = initial;
  let retired: RetiredQuest[] | undefined;
  let eventTypes = initialEventTypes;
  let revision = 1;
  let notModified = 0;
  const nonces = new NonceCache();
  const server = createServer((req, res) => {
    if (!signedInternal(req, '', nonces)) return send(res, 401, { error: { code: 'UNAUTHENTICATED' } });
    if (req.method !== 'GET' || req.url !== '/internal/quests') return send(res, 404, { error: { code: 'NOT_FOUND' } });
    const etag = `"${revision}"`;
    if (req.headers['if-none-match'] === etag) {
      notModified++;
      return send(res, 304, undefined, { etag });
    }
    return send(res, 200, { revision: String(revision), quests, ...(retired ? { retired } : {}), ...(eventTypes ? { eventTypes } : {}) }, { etag });
  });
  const url = await listen(server);
  return {
    url,
    setQuests(next, nextRetired, nextEventTypes) {
      quests = next;
      retired = nextRetired;
      if (nextEventTypes) eventTypes = nextEventTypes;
      revision++;
    },
    setEventTypes(next) {
      eventTypes = next;
      revision++;
    },
    quests: () => quests,
    notModifiedCount: () => notModified,
    close: () => close(server),
  };
}
