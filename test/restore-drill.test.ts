import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDrillError } from '../core/errors.ts';
import { readRecord } from '../record/read.ts';
import type { RestoreDrillRecord, RunRecord } from '../record/run-record.ts';
import { runRestoreDrill, type RestoreDrillInput } from '../runs/restore-drill.ts';
import { readReadiness, recordedDrills } from '../validation/restore/readiness-file.ts';
import { execDrill, runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { startTestSandbox } from './helpers/sandbox.ts';
import { sql } from './helpers/tenant-app.ts';

// Real pg_dump, pg_restore, psql and Postgres: every database here is this file's own.
const dbs: TestDatabase[] = [];
let small: TestDatabase;
let dir: string;
const READINESS_HEAD = 'backups_enabled: true\nretention: 7 days\nrestore_owner: Dana Ops\n';
const CONFIG = { validate: { content: { recheckAfter: '100ms' } } };

async function database(prefix = 'drill_restore'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  dbs.push(db);
  return db;
}

/** Another URL for the same database: the identity check, not URL equality, must catch it. */
const viaLocalhost = (url: string) => url.replace('127.0.0.1', 'localhost');

const drill = (input: RestoreDrillInput) => runRestoreDrill({ env: {}, config: CONFIG, out: mkdtempSync(path.join(dir, 'run-')), ...input });
const check = (record: RunRecord, id: string) => record.checks.find((c) => c.id === id)!;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'drill-restore-'));
  small = await database('drill_restore_src');
  await sql(
    small.url,
    `create table items (id int primary key, name text not null, created_at timestamptz not null default now() - interval '1 hour');
     insert into items (id, name) select g, 'item ' || g from generate_series(1, 500) g;
     create table notes (id bigserial primary key, body text, updated_at timestamptz default '2026-01-01T00:00:00Z');
     insert into notes (body) select 'note ' || g from generate_series(1, 50) g;`,
  );
});

afterAll(async () => {
  for (const db of dbs) await db.drop().catch(() => {});
});

describe('drill restore-drill on real Postgres', () => {
  it('a drill of a CE Pro database passes: RTO split, RPO from the dump time, parity, a sandbox smoke on the restore, appended to the readiness file and read back by drill validate', async () => {
    const cepro = await database('drill_restore_cepro');
    const sandbox = await startTestSandbox({ databaseUrl: cepro.url, seed: { orgs: 1, adminUsers: 2, invoicesPerOrg: 100, completedJobsPerOrg: 50 } });
    await sandbox.stop();
    const scratch = await database('drill_restore_scratch');
    const readiness = path.join(dir, 'readiness.yml');
    writeFileSync(readiness, `# ops/restore-readiness.yml\n${READINESS_HEAD}`);
    const record = await drill({ fromDatabase: cepro.url, scratchUrl: scratch.url, readiness, operator: 'dana' });
    expect(record.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.summary}`)).toEqual([]);
    expect(record.verdict).toBe('pass');
    const r = record.results;
    expect(r.rto!.totalMs).toBe(r.rto!.dumpMs! + r.rto!.restoreMs!);
    expect(r.dump!.bytes).toBeGreaterThan(0);
    // The dump holds every row: not kept, and never in the run directory (CI uploads it).
    expect(r.dump).toMatchObject({ file: null, kept: false });
    expect(readdirSync(record.results.readiness!.file.replace(/readiness\.yml$/, '')).some((f) => f.endsWith('.dump'))).toBe(false);
    expect(r.rpo).toMatchObject({ basis: 'dump time', dataAsOf: r.dump!.startedAt });
    expect(r.parity).toMatchObject({ status: 'pass', schemaDifferences: 0, differingKeys: 0 });
    expect(r.smoke).toMatchObject({ status: 'pass', via: 'sandbox', queue: { dead_letter: expect.any(Number) } });
    const [entry] = recordedDrills(readReadiness(readiness));
    expect(entry).toMatchObject({ verdict: 'pass', parity: 'pass', by: 'dana' });
    expect(readFileSync(readiness, 'utf8')).toMatch(/rto_seconds: [\d.]+\n/);
    // drill validate reads the drill back: restore.readiness passes on it.
    const out = path.join(dir, 'validate-pass');
    const validate = await execDrill(['validate', '--target', 'http://127.0.0.1:1', '--readiness', readiness, '--window', '250ms', '--drain-timeout', '1s', '--quiet', '--out', out]);
    expect(validate.code, validate.stderr).toBe(1); // the app is not there; the readiness check is what is read here
    expect(check(readRecord(out), 'restore.readiness')).toMatchObject({ status: 'pass', summary: expect.stringContaining('last passing restore drill 0 days ago') });
  }, 60_000);

  it('a dump that is missing a table fails parity; the failed drill is recorded, and restore.readiness fails on it', async () => {
    const file = path.join(dir, 'missing-notes.dump');
    execFileSync('pg_dump', ['--format=custom', '--exclude-table=public.notes', `--file=${file}`, small.url]);
    const scratch = await database();
    const readiness = path.join(dir, 'readiness-failed.yml');
    writeFileSync(readiness, READINESS_HEAD);
    const record = await drill({ fromDump: file, sourceDatabaseUrl: small.url, scratchUrl: scratch.url, readiness });
    expect(record.verdict).toBe('fail');
    expect(check(record, 'restore.restore').status).toBe('pass');
    expect(check(record, 'restore.schema_parity')).toMatchObject({ status: 'fail', summary: expect.stringContaining('public.notes') });
    expect(check(record, 'restore.content_parity').status).not.toBe('pass');
    expect(record.results.parity!.tablesErrored).toContain('public.notes');
    expect(recordedDrills(readReadiness(readiness))[0]).toMatchObject({ verdict: 'fail' });
    const out = path.join(dir, 'validate-fail');
    await execDrill(['validate', '--target', 'http://127.0.0.1:1', '--readiness', readiness, '--window', '250ms', '--drain-timeout', '1s', '--quiet', '--out', out]);
    expect(check(readRecord(out), 'restore.readiness')).toMatchObject({ status: 'fail', summary: expect.stringContaining('no passing restore drill recorded') });
  }, 60_000);

  it('a plain SQL dump restores with psql, and its RPO comes from the newest written row', async () => {
    const file = path.join(dir, 'plain.sql');
    execFileSync('pg_dump', ['--format=plain', `--file=${file}`, small.url]);
    const scratch = await database();
    const record = await drill({ fromDump: file, sourceDatabaseUrl: small.url, scratchUrl: scratch.url });
    expect(record.verdict, record.reasons.join('\n')).toBe('pass');
    expect(record.results.restore).toMatchObject({ status: 'pass', tool: 'psql' });
    expect(record.results.dump).toMatchObject({ status: 'skip', format: 'plain' });
    expect(record.results.rpo).toMatchObject({ basis: 'newest row', newestRow: { table: 'public.items', column: 'created_at' } });
    expect(record.results.rpo!.rpoMs).toBeGreaterThan(3_500_000);
  });

  it('a restore that errors partway records the error and keeps every figure measured', async () => {
    const source = await database();
    // The classic pg_dump trap: an index on a function that reads a table by an unqualified
    // name. pg_restore builds indexes after the data with an empty search_path, so it fails
    // there, with the tables already restored.
    await sql(
      source.url,
      `create table lookup (k int); insert into lookup values (1);
       create function bump(int) returns int language sql immutable as 'select $1 + (select count(*)::int from lookup)';
       create table t (x int primary key); insert into t select generate_series(1, 100);
       create index t_bump on t (bump(x));`,
    );
    const scratch = await database();
    const record = await drill({ fromDatabase: source.url, scratchUrl: scratch.url });
    expect(record.verdict).toBe('fail');
    expect(check(record, 'restore.dump').status).toBe('pass');
    expect(check(record, 'restore.restore')).toMatchObject({ status: 'error', summary: expect.stringMatching(/pg_restore exited with 1: .*lookup/) });
    const r = record.results;
    expect(r.dump!.durationMs).toBeGreaterThan(0);
    expect(r.dump!.bytes).toBeGreaterThan(0);
    expect(r.rto).toMatchObject({ dumpMs: r.dump!.durationMs, restoreMs: r.restore!.durationMs, totalMs: null });
    expect(r.rpo!.basis).toBe('dump time');
    expect(check(record, 'restore.content_parity').status).toBe('skip');
    // Partway: the data was in before the index failed.
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    expect((await client.query('select count(*)::int as n from t')).rows[0].n).toBe(100);
    await client.end();
  });

  it('rows written in the source after the restore are drift: allowed up to --max-drift, a failure beyond it; a dead app fails the smoke', async () => {
    const source = await database();
    await sql(source.url, `create table events (id int primary key, created_at timestamptz default now()); insert into events select generate_series(1, 200);`);
    const restored = await database();
    expect((await drill({ fromDatabase: source.url, scratchUrl: restored.url })).verdict).toBe('pass');
    await sql(source.url, `insert into events select generate_series(201, 203)`);
    const strict = await drill({ restoredUrl: restored.url, sourceDatabaseUrl: source.url });
    expect(check(strict, 'restore.content_parity')).toMatchObject({ status: 'fail', summary: expect.stringContaining('3 keys differ') });
    const allowed = await drill({ restoredUrl: restored.url, sourceDatabaseUrl: source.url, maxDrift: '5' });
    expect(check(allowed, 'restore.content_parity')).toMatchObject({ status: 'pass', summary: expect.stringContaining('3 keys written after the dump') });
    expect(allowed.results.rpo!.basis).toBe('newest row');
    const deadApp = await drill({ restoredUrl: restored.url, sourceDatabaseUrl: source.url, maxDrift: '5', appUrl: 'http://127.0.0.1:1' });
    expect(check(deadApp, 'restore.app_smoke').status).toBe('fail');
    expect(deadApp.verdict).toBe('fail');
  });

  it('refuses a scratch target that is the source (by identity), and a scratch database that is not empty unless --replace', async () => {
    const refusal = async (input: RestoreDrillInput) => {
      try {
        await drill(input);
      } catch (error) {
        return error;
      }
      throw new Error('not refused');
    };
    const same = await refusal({ fromDatabase: small.url, scratchUrl: viaLocalhost(small.url) });
    expect(isDrillError(same) && same.code).toBe('E_SAME_DATABASE');
    expect((same as Error).message).toMatch(/scratch database \(SCRATCH_DATABASE_URL\) is the source database .*: point SCRATCH_DATABASE_URL at an empty database of its own/);
    const sameRestored = await refusal({ restoredUrl: viaLocalhost(small.url), sourceDatabaseUrl: small.url });
    expect(isDrillError(sameRestored) && sameRestored.code).toBe('E_SAME_DATABASE');
    const full = await database();
    await sql(full.url, 'create table leftover (id int)');
    const notEmpty = await refusal({ fromDatabase: small.url, scratchUrl: full.url });
    expect((notEmpty as Error).message).toMatch(/not empty \(1 objects: public\.leftover\).*or pass --replace to clear it/);
    const replaced = await drill({ fromDatabase: small.url, scratchUrl: full.url, replace: true });
    expect(replaced.verdict, replaced.reasons.join('\n')).toBe('pass');
  });
});

describe('drill restore-drill exit codes (the real bin)', () => {
  let scratch: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    scratch = await database();
    env = { SCRATCH_DATABASE_URL: scratch.url };
  });

  it('0 on a passing drill; 2 refused with one line naming the fix, never the password', async () => {
    const kept = path.join(dir, 'kept.dump');
    const pass = await execDrill(['restore-drill', '--from-database', small.url, '--dump-file', kept, '--quiet', '--out', path.join(dir, 'cli-pass')], env);
    expect(pass.code, pass.stderr).toBe(0);
    // Asked for, the dump is kept where it was asked to be.
    expect(existsSync(kept)).toBe(true);
    expect(pass.stdout).toMatch(/^drill restore-drill: PASS\n {2}RTO /);
    const again = await execDrill(['restore-drill', '--from-database', small.url, '--quiet'], env);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('--replace');
    // The other refusals in-process (a child each would only add start-up time).
    const same = await runCli(['restore-drill', '--from-database', viaLocalhost(scratch.url), '--quiet'], { env });
    expect(same).toMatchObject({ code: 2, stderr: expect.stringContaining('is the source database') });
    const password = await runCli(['restore-drill', '--from-database', 'postgres://u:hunter2-sentinel@127.0.0.1/x'], { env });
    expect(password).toMatchObject({ code: 2, stderr: expect.stringContaining('put it in SOURCE_DATABASE_URL instead') });
    expect(password.stderr).not.toContain('hunter2-sentinel');
    const noScratch = await runCli(['restore-drill', '--from-database', small.url]);
    expect(noScratch).toMatchObject({ code: 2, stderr: expect.stringContaining('SCRATCH_DATABASE_URL is not set') });
    const drift = await runCli(['restore-drill', '--from-database', small.url, '--max-drift', 'lots'], { env });
    expect(drift).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-drift: "lots" is not a key count or a percentage') });
  }, 60_000);

  it('1 on a failing drill, with its record and renderings written', async () => {
    const file = path.join(dir, 'cli-missing.dump');
    execFileSync('pg_dump', ['--format=custom', '--exclude-table=public.items', `--file=${file}`, small.url]);
    const fail = await execDrill(['restore-drill', '--from-dump', file, '--replace', '--quiet', '--out', path.join(dir, 'cli-fail')], { ...env, SOURCE_DATABASE_URL: small.url });
    expect(fail.code, fail.stderr).toBe(1);
    expect(existsSync(path.join(dir, 'cli-fail', 'junit.xml'))).toBe(true);
    expect((readRecord(path.join(dir, 'cli-fail')) as RestoreDrillRecord).results.parity!.status).toBe('error');
  }, 60_000);
});
