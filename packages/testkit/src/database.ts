import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testEnv } from './config.js';

/** The admin URL of the PostgreSQL server the test run started (scripts/test.ts sets it). */
export function testServerUrl(): string {
  const url = testEnv.pgUrl;
  if (!url) throw new Error('QUESTLINE_TEST_PG_URL is not set: run tests with `npm test`');
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so that every test file is isolated. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const admin = testServerUrl();
  const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
