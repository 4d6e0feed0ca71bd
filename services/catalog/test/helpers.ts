import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT, importJWK, type JWK } from 'jose';
import { createTestDatabase, generateSigningJwk, type TestDatabase } from '@questline/testkit';
import type { App } from '@questline/platform';
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

/** A stand-in for auth's JWKS endpoint, plus a signer for tokens it vouches for. */
export interface Issuer {
  url: string;
  sign(claims?: TokenClaims): Promise<string>;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<Issuer> {
  const jwk = JSON.parse(await generateSigningJwk()) as JWK & { kid: string };
  const { d: _private, ...publicJwk } = jwk;
  const key = await importJWK(jwk, 'EdDSA');
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sign: ({ sub = randomUUID(), role = 'player', status = 'active', tz = 'UTC' } = {}) =>
      new SignJWT({ role, status, tz })
        .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid })
        .setSubject(sub)
        .setIssuer('questline-auth')
        .setAudience('questline')
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(key),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
