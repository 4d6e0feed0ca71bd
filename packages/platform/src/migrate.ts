import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';

const FILE_PATTERN = /^(\d{3,})_[a-z0-9_-]+\.sql$/;
/** Kysely's bookkeeping table; before Kysely ran our migrations, they were recorded in schema_migrations. */
export const MIGRATION_TABLE = 'kysely_migration';
const LEGACY_TABLE = 'schema_migrations';
// Serialises the one-time adoption of schema_migrations between replicas; any constant works as
// long as it is the same for every replica of every service.
const ADOPTION_LOCK = 727_274_001;

export interface MigrationResult {
  applied: string[];
}

/**
 * Reads numbered SQL files (`NNN_name.sql`) as Kysely migrations named by their file. The
 * numbers must run 1, 2, 3… without gap or repeat: a renamed, deleted or doubled file is refused
 * before anything runs. Other files (a README) are ignored; a `.sql` file not named like that is
 * refused, since it would otherwise be skipped silently.
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const names = (await readdir(this.dir)).filter((f) => f.endsWith('.sql')).sort();
    const migrations: Record<string, Migration> = {};
    for (const [index, name] of names.entries()) {
      const match = FILE_PATTERN.exec(name);
      if (!match) throw new Error(`migration ${name} in ${this.dir}: the name must be NNN_name.sql (lowercase)`);
      if (Number(match[1]) !== index + 1) {
        throw new Error(`migration ${name} in ${this.dir}: expected number ${String(index + 1).padStart(3, '0')} (files must be numbered 001, 002, … without gap or repeat)`);
      }
      const file = path.join(this.dir, name);
      migrations[name] = { up: async (db) => void (await sql.raw(await readFile(file, 'utf8')).execute(db)) };
    }
    return migrations;
  }
}

/**
 * Applies the numbered SQL files in `dir` with Kysely's Migrator: forward only, in order, each
 * file in its own transaction together with its record. Refused: a new file numbered before one
 * already applied, and a file recorded as applied but gone from disk. Kysely's Postgres adapter
 * holds a session advisory lock while it migrates, so replicas starting at once apply each file once.
 */
export async function migrate<DB>(target: pg.Pool | Kysely<DB>, dir: string): Promise<MigrationResult> {
  // The migrations' SQL is untyped; a Kysely made here is not destroyed, as that would end the caller's pool.
  const db = target instanceof Kysely ? (target as Kysely<unknown>) : new Kysely<unknown>({ dialect: new PostgresDialect({ pool: target }) });
  await adoptLegacyRecords(db);
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(dir),
    migrationTableName: MIGRATION_TABLE,
    allowUnorderedMigrations: false,
  });
  const applied: string[] = [];
  // migrateToLatest would run every pending file in one transaction; one step per call gives each
  // file its own (a failure keeps the files before it), and each step re-checks the state under the lock.
  for (;;) {
    const { error, results = [] } = await migrator.migrateUp();
    const failed = results.find((r) => r.status === 'Error');
    if (failed) throw new Error(`migration ${failed.migrationName} failed: ${errorMessage(error)}`, { cause: error });
    if (error) throw new Error(`migrations in ${dir} refused: ${errorMessage(error)}`, { cause: error });
    const done = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (done.length === 0) return { applied };
    applied.push(...done);
  }
}

/**
 * Databases migrated before Kysely ran our migrations recorded them in schema_migrations(version,
 * applied_at) under the same file names. On the first run they are copied into Kysely's table so
 * nothing re-runs. Kysely orders applied migrations by timestamp and writes later rows with the
 * application's clock, so the copied timestamps follow the file order and are never later than now.
 */
async function adoptLegacyRecords(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ legacy: boolean }>`SELECT to_regclass(${LEGACY_TABLE}) IS NOT NULL AS legacy`.execute(trx);
    if (!rows[0]?.legacy) return;
    await sql`SELECT pg_advisory_xact_lock(${ADOPTION_LOCK})`.execute(trx);
    // The same table Kysely creates, created here so the legacy rows can be copied in first.
    await sql`CREATE TABLE IF NOT EXISTS ${sql.table(MIGRATION_TABLE)} (
      name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)`.execute(trx);
    const { rows: existing } = await sql`SELECT 1 FROM ${sql.table(MIGRATION_TABLE)} LIMIT 1`.execute(trx);
    if (existing.length > 0) return;
    const legacy = await sql<{ version: string; applied_at: Date }>`
      SELECT version, applied_at FROM ${sql.table(LEGACY_TABLE)} ORDER BY version`.execute(trx);
    const now = Date.now();
    let previous = 0;
    for (const row of legacy.rows) {
      previous = Math.min(Math.max(row.applied_at.getTime(), previous), now);
      const timestamp = new Date(previous).toISOString();
      await sql`INSERT INTO ${sql.table(MIGRATION_TABLE)} (name, timestamp) VALUES (${row.version}, ${timestamp})`.execute(trx);
    }
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Applies the migrations in `dir` to the database at `url` over a one-connection pool. */
export async function migrateDatabase(url: string, dir: string): Promise<MigrationResult> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  try {
    return await migrate(pool, dir);
  } finally {
    await pool.end();
  }
}
