import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from './pg.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/tenant-app.sql', import.meta.url));

/** Runs SQL on a database and returns the rows. */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

const run = (command: string) => execFileSync('bash', ['-c', `set -eo pipefail; ${command}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGOPTIONS: '-c client_min_messages=error' } });

/** A fresh database holding the multi-tenant fixture (test/fixtures/tenant-app.sql). */
export async function tenantApp(prefix = 'drill_tenant'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  // client_min_messages hides the warning CREATE PUBLICATION gives on a wal_level=replica server.
  run(`psql -q -v ON_ERROR_STOP=1 -f "${FIXTURE}" "${db.url}"`);
  return db;
}

export type CopyMethod = 'pg_dump | psql' | 'pg_dump -Fc | pg_restore' | 'pg_dump -Fd | pg_restore -j 2' | 'create database … template';

/**
 * A faithful copy, the ways an operator makes one: plain dump into psql, custom format
 * through pg_restore, directory format restored by two jobs in parallel (rows land in
 * another physical order), or a template copy of the files. Grants and owners are kept.
 */
export async function copyDatabase(source: TestDatabase, method: CopyMethod, prefix = 'drill_copy'): Promise<TestDatabase> {
  if (method === 'create database … template') {
    const name = `${prefix}_${Math.random().toString(16).slice(2, 10)}`;
    await sql(ADMIN_URL, `create database ${name} template ${source.name}`);
    return {
      name,
      url: ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
      drop: async () => void (await sql(ADMIN_URL, `drop database if exists ${name} with (force)`)),
    };
  }
  const copy = await createTestDatabase(prefix);
  if (method === 'pg_dump | psql') run(`pg_dump "${source.url}" | psql -q -v ON_ERROR_STOP=1 "${copy.url}"`);
  if (method === 'pg_dump -Fc | pg_restore') run(`pg_dump -Fc "${source.url}" | pg_restore --exit-on-error -d "${copy.url}"`);
  if (method === 'pg_dump -Fd | pg_restore -j 2') {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-dump-'));
    try {
      run(`pg_dump -Fd -j 2 -f "${dir}/d" "${source.url}" && pg_restore --exit-on-error -j 2 -d "${copy.url}" "${dir}/d"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return copy;
}

/**
 * The fixture a fault-injection file shares: the tenant app, one faithful `pg_dump | psql`
 * copy of it, and `faulty(sql)` for a fresh template copy of that with one fault applied.
 * Registers its own beforeAll/afterAll (every copy is dropped at the end).
 */
export function faultInjectionFixture(): { readonly source: TestDatabase; readonly base: TestDatabase; faulty(text: string): Promise<TestDatabase>; dropLater(db: TestDatabase): void } {
  let source: TestDatabase;
  let base: TestDatabase;
  const dropLater: TestDatabase[] = [];
  beforeAll(async () => {
    source = await tenantApp();
    base = await copyDatabase(source, 'pg_dump | psql');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...dropLater, base, source].filter(Boolean).map((d) => d.drop()));
  });
  return {
    get source() {
      return source;
    },
    get base() {
      return base;
    },
    dropLater: (db) => void dropLater.push(db),
    async faulty(text) {
      const copy = await copyDatabase(base, 'create database … template', 'drill_fault');
      dropLater.push(copy);
      await sql(copy.url, text);
      return copy;
    },
  };
}
