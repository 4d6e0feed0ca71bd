import { createServer, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT, importJWK, type JWK } from 'jose';
import { createTestDatabase, generateSigningJwk, type TestDatabase } from '@questline/testkit';
import { NonceCache, verifyInternal, type ApiKeyCaller, type App, type LiveUser } from '@questline/platform';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import { runMigrations } from '../src/db/migrations.js';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789';

export interface TokenClaims {
  sub?: string;
  role?: 'player' | 'admin';
  status?: 'new' | 'active' | 'banned';
  tz?: string;
}

/**
 * A stand-in for auth: its JWKS, a signer for tokens it vouches for, and GET /internal/users/:id
 * answering with the role and status of each signed token's subject (until `users` is changed).
 */
export interface Issuer {
  url: string;
  sign(claims?: TokenClaims): Promise<string>;
  /** What GET /internal/users/:id answers, by user id; a missing id → 404. */
  users: Map<string, LiveUser>;
  /** GET /internal/users/:id calls received. */
  lookups: string[];
  /** What POST /internal/api-keys/verify answers, by secret; a missing secret → 404. */
  keys: Map<string, ApiKeyCaller>;
  /** Answers /internal/* with this status instead (e.g. 503), or normally with undefined. */
  failInternal(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<Issuer> {
  const jwk = JSON.parse(await generateSigningJwk()) as JWK & { kid: string };
  const { d: _private, ...publicJwk } = jwk;
  const key = await importJWK(jwk, 'EdDSA');
  const users = new Map<string, LiveUser>();
  const lookups: string[] = [];
  const keys = new Map<string, ApiKeyCaller>();
  const nonces = new NonceCache();
  let internalFailure: number | undefined;
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/internal/api-keys/verify') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signed = verifyInternal(INTERNAL_TOKEN, { method: 'POST', path: req.url ?? '', headers: req.headers, body }, nonces) === 'ok';
        if (!signed) return json(res, 401, { error: { code: 'UNAUTHENTICATED' } });
        if (internalFailure) return json(res, internalFailure, { error: { code: 'UNAVAILABLE' } });
        const apiKey = keys.get((JSON.parse(body) as { secret: string }).secret);
        return apiKey ? json(res, 200, { apiKey }) : json(res, 404, { error: { code: 'NOT_FOUND' } });
      });
      return;
    }
    const userMatch = /^\/internal\/users\/([^/]+)$/.exec(req.url ?? '');
    if (req.url === '/.well-known/jwks.json') {
      json(res, 200, { keys: [publicJwk] });
    } else if (req.method === 'GET' && userMatch) {
      const signed = verifyInternal(INTERNAL_TOKEN, { method: 'GET', path: req.url ?? '', headers: req.headers }, nonces) === 'ok';
      if (!signed) return json(res, 401, { error: { code: 'UNAUTHENTICATED' } });
      if (internalFailure) return json(res, internalFailure, { error: { code: 'UNAVAILABLE' } });
      const id = decodeURIComponent(userMatch[1]!);
      lookups.push(id);
      const user = users.get(id);
      if (!user) return json(res, 404, { error: { code: 'NOT_FOUND' } });
      json(res, 200, { id, username: `u${id.slice(0, 8)}`, timezone: 'UTC', ...user });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    users,
    lookups,
    keys,
    failInternal(status) {
      internalFailure = status;
    },
    sign({ sub = randomUUID(), role = 'player', status = 'active', tz = 'UTC' } = {}) {
      users.set(sub, { role, status });
      return new SignJWT({ role, status, tz })
        .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid })
        .setSubject(sub)
        .setIssuer('questline-auth')
        .setAudience('questline')
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(key);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Harness {
  app: App;
  issuer: Issuer;
  database: TestDatabase;
  adminId: string;
  adminToken: string;
  playerToken: string;
  close(): Promise<void>;
}

/** A migrated fresh database, the catalog app on it, and tokens for an admin and a player. */
export async function startCatalog(prefix: string): Promise<Harness> {
  const database = await createTestDatabase(prefix);
  const issuer = await startIssuer();
  const config: Config = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    INTERNAL_TOKEN,
    MIGRATE_ON_START: true,
    SHUTDOWN_DELAY_MS: 0,
    TRUST_PROXY: 'loopback',
    PORT: 0,
    AUTH_URL: issuer.url,
  };
  await runMigrations(config);
  const app = await buildApp(config);
  await app.ready();
  const adminId = randomUUID();
  return {
    app,
    issuer,
    database,
    adminId,
    adminToken: await issuer.sign({ sub: adminId, role: 'admin' }),
    playerToken: await issuer.sign({ role: 'player' }),
    async close() {
      await app.close();
      await issuer.close();
      await database.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const GOLD_REWARD_ID = '5e0d0000-0000-4000-8000-000000000001';
export const DIAMOND_REWARD_ID = '5e0d0000-0000-4000-8000-000000000002';

/** A minimal valid quest body for POST /admin/quests. */
export function questBody(key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key,
    name: `Quest ${key}`,
    objective: { event: 'match.won', mode: 'count', target: 3 },
    rewardId: GOLD_REWARD_ID,
    ...extra,
  };
}
