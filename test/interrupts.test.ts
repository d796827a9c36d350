import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepMerge, parseConfig } from '../config/load.ts';
import { RunRecord } from '../record/run-record.ts';
import { RunDir } from '../record/run-dir.ts';
import { validateRun } from '../runs/validate.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { spawnDrill } from './helpers/cli.ts';
import { connectPostgres } from '../sandbox/db/db.ts';
import { migrate } from '../sandbox/db/migrate.ts';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, sandboxWorkDir, type TestSandbox } from './helpers/sandbox.ts';
import { FAST_VALIDATE } from './helpers/region-move.ts';

const fixture = sandboxOnTestDatabase({});
let database: TestDatabase;
let sandbox: TestSandbox;
let cwd: string;

beforeAll(async () => {
  ({ database, sandbox } = fixture);
  cwd = await sandboxWorkDir(sandbox, 'interrupts', { watch: { interval: '250ms' }, stress: { baseline: '20s', recoveryTimeout: '1m' }, validate: { window: '1m' } });
});

async function interrupt(args: string[], signal: NodeJS.Signals, afterMs: number) {
  const out = path.join(cwd, `${args[0]}-${signal}-${afterMs}`);
  const run = spawnDrill([...args, '--out', out], { CRON_SECRET: TEST_CRON_SECRET }, cwd);
  const samples = path.join(out, 'samples.ndjson');
  for (let i = 0; i < 100 && !(existsSync(samples) && readFileSync(samples, 'utf8').split('\n').length > 2); i += 1) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, afterMs));
  run.child.kill(signal);
  const { code } = await run.exited;
  return { code, out, record: RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'))) };
}

describe('signals in every phase keep the partial record', () => {
  it('stress, SIGTERM during the health baseline: exit 143, samples kept, no load started', async () => {
    const { code, record, out } = await interrupt(['stress', '--target', sandbox.url, '--profile', 'smoke', '--cookies', 'cookies.txt'], 'SIGTERM', 200);
    expect(code).toBe(143);
    expect(record.interrupted?.signal).toBe('SIGTERM');
    expect(record.results.load ?? null).toBeNull();
    expect(readFileSync(path.join(out, 'samples.ndjson'), 'utf8').trim().split('\n').length).toBe((record.results.samples as { count: number }).count);
  });

  it('validate, SIGINT during the observation window: exit 130 with every check that finished', async () => {
    const { code, record } = await interrupt(['validate', '--target', sandbox.url], 'SIGINT', 300);
    expect(code).toBe(130);
    expect(record.interrupted?.signal).toBe('SIGINT');
    expect(record.checks.find((c) => c.id === 'health.public')!.status).toBe('pass');
    // Every cutover check is in the partial record, and the completeness check after them.
    expect(record.checks).toHaveLength(CUTOVER_CHECKS.length + 1);
    expect(record.verdict).toBe('interrupted');
  });
});

describe('a database dropped mid-check', () => {
  it('that check is an error with the reason; the others go on', async () => {
    // The old database: the same migrations on a database of its own (comparing one database
    // with itself is refused), with the same slow view.
    const old = await createTestDatabase('drill_old');
    const oldDb = connectPostgres(old.url);
    await migrate(oldDb);
    await oldDb.close();
    for (const url of [database.url, old.url]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('create view public.slow_count as select 1 as s from pg_sleep(3)');
      } finally {
        await client.end();
      }
    }
    const config = parseConfig(deepMerge(FAST_VALIDATE, { validate: { rowParityTables: ['public.slow_count'] } }));
    const runDir = RunDir.create(mkdtempSync(path.join(tmpdir(), 'drill-dropped-')));
    const running = validateRun({
      config, target: sandbox.url, cronSecret: TEST_CRON_SECRET, databaseUrl: database.url, sourceDatabaseUrl: old.url, runDir,
      signal: new AbortController().signal, checks: CUTOVER_CHECKS.filter((c) => ['db.reachable', 'db.row_parity', 'db.migrations'].includes(c.id)),
    });
    // Keep killing the connections that count the slow view, as a failing-over database
    // would: the first count and its recheck both die.
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    let killed = 0;
    const stopAt = Date.now() + 6000;
    let done = false;
    void running.finally(() => (done = true));
    while (!done && Date.now() < stopAt) {
      const r = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query like '%slow_count%' and pid <> pg_backend_pid()`, [database.name]);
      killed += r.rowCount ?? 0;
      await new Promise((r2) => setTimeout(r2, 200));
    }
    await admin.end();
    expect(killed).toBeGreaterThanOrEqual(2);
    const record = RunRecord.parse(await running);
    const status = Object.fromEntries(record.checks.map((c) => [c.id, c]));
    expect(status['db.row_parity']!.status).toBe('error');
    expect(status['db.row_parity']!.summary).toMatch(/could not count|terminat/i);
    expect(status['db.reachable']!.status).toBe('pass');
    expect(status['db.migrations']!.status).toBe('pass');
    await old.drop();
  });
});
