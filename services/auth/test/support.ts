import type { Kysely } from 'kysely';
import { createDatabase, parseConfig, type App } from '@questline/platform';
import { createTestDatabase, generateSigningJwk, injectInternal, type TestDatabase } from '@questline/testkit';
import { ConfigSchema, type Config } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { runMigrations } from '../src/db/migrations.js';
import type { AuthDatabase } from '../src/db/schema.js';
import { CatalogStandIn } from './catalog-stand-in.js';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789';
export const ADMIN = { username: 'root_admin', password: 'admin-password-1' };

export interface Harness {
  app: App;
  config: Config;
  /** Direct access for assertions on what was stored. */
  db: Kysely<AuthDatabase>;
  /** What auth learns the currencies from (gold and diamond unless a test changes them). */
  catalog: CatalogStandIn;
  close(): Promise<void>;
}

/** A migrated fresh database and an in-process auth app on it. */
export async function startAuth(env: Record<string, string> = {}): Promise<Harness> {
  const testDb: TestDatabase = await createTestDatabase('auth');
  const catalog = new CatalogStandIn();
  const config = parseConfig(ConfigSchema, {
    DATABASE_URL: testDb.url,
    INTERNAL_TOKEN,
    JWT_PRIVATE_JWK: await generateSigningJwk(),
    // Nothing listens on the discard port: login events simply wait in the outbox.
    PROGRESS_URL: 'http://127.0.0.1:9',
    CATALOG_URL: await catalog.listen(),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  let app: App;
  try {
    await runMigrations(config);
    app = await buildApp(config);
  } catch (err) {
    await catalog.close();
    await testDb.drop();
    throw err;
  }
  const direct = createDatabase<AuthDatabase>(testDb.url, { max: 2 });
  return {
    app,
    config,
    db: direct.db,
    catalog,
    async close() {
      await app.close();
      await direct.close();
      await catalog.close();
      await testDb.drop();
    },
  };
}

/** From an audit finding: ["0000-01-01T00:00:00.000000Z", "00000000-0000-4000-8000-000000000000"]. */
export const YEAR_ZERO_CURSOR = 'WyIwMDAwLTAxLTAxVDAwOjAwOjAwLjAwMDAwMFoiLCIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiXQ';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function signup(app: App, username: string, password = 'password-123', timezone?: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: timezone ? { username, password, timezone } : { username, password },
  });
  if (res.statusCode !== 201) throw new Error(`signup ${username}: ${res.statusCode} ${res.body}`);
  return res.json().user as { id: string; username: string; status: string };
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string; status: string; role: string };
}

export async function login(app: App, username: string, password = 'password-123'): Promise<Tokens> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return res.json() as Tokens;
}

/** A signed-up and logged-in player. */
export async function player(app: App, username: string, password = 'password-123') {
  const user = await signup(app, username, password);
  const tokens = await login(app, username, password);
  return { id: user.id, ...tokens };
}

export async function loginAdmin(app: App): Promise<Tokens> {
  return login(app, ADMIN.username, ADMIN.password);
}

export async function grant(app: App, body: Record<string, unknown>) {
  return injectInternal(app, INTERNAL_TOKEN, { method: 'POST', url: '/internal/grants', payload: body });
}
