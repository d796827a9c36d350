import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{14}_.+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const [, version, name] = /^(\d{14})_(.+)\.sql$/.exec(file)!;
      return { version: version!, name: name!, sql: readFileSync(MIGRATIONS_DIR + file, 'utf8') };
    });
}

/**
 * Applies pending migrations and records them where Supabase keeps its history
 * (supabase_migrations.schema_migrations), so `db.migrations` can compare projects.
 * An advisory lock keeps two sandboxes starting on one database from racing.
 */
export async function migrate(db: Db): Promise<string[]> {
  return db.session(async (session) => {
    await session.query('select pg_advisory_lock(727001)');
    try {
      return await applyPending(session);
    } finally {
      await session.query('select pg_advisory_unlock(727001)');
    }
  });
}

async function applyPending(db: Db): Promise<string[]> {
  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key, name text, statements text[]
    );`);
  const rows = await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations');
  const done = new Set(rows.map((r) => r.version));
  const applied: string[] = [];
  for (const migration of listMigrations()) {
    if (done.has(migration.version)) continue;
    // Version and name come from our own file names (\d{14}_[^.]+), never from input.
    try {
      await db.exec(`begin;
${migration.sql}
;insert into supabase_migrations.schema_migrations (version, name, statements)
  values ('${migration.version}', '${migration.name}', array[]::text[]);
commit;`);
    } catch (error) {
      await db.exec('rollback').catch(() => {});
      throw new Error(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
    }
    applied.push(migration.version);
  }
  return applied;
}
