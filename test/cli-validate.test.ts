import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecord } from '../record/run-record.ts';
import { execDrill, runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { startTestSandbox } from './helpers/sandbox.ts';

let database: TestDatabase;
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
let cwd: string;
const SENTINELS = {
  CRON_SECRET: 'sentinel-cron-5c1f9a',
  SUPABASE_ACCESS_TOKEN: 'sbp_sentinel_token_77d2',
};

beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startTestSandbox({ databaseUrl: database.url, cronSecret: SENTINELS.CRON_SECRET, supabaseAccessToken: SENTINELS.SUPABASE_ACCESS_TOKEN });
  cwd = mkdtempSync(path.join(tmpdir(), 'drill-cli-validate-'));
});

afterAll(async () => {
  await sandbox?.stop();
  await database?.drop();
});

describe('drill validate (child process)', () => {
  it('exit 0 when every check that has its inputs passes, skipping the rest with reasons; no secret leaks', async () => {
    const out = path.join(cwd, 'ok');
    // The database URL carries a password; trust auth ignores it, so it is a real sentinel.
    const dbUrl = database.url.replace('postgres@', 'postgres:sentinel-dbpass-41b7@');
    const { code, stdout, stderr } = await execDrill(
      ['validate', '--target', sandbox.url, '--window', '1s', '--drain-timeout', '2s', '--supabase-project-ref', sandbox.options.projectRef,
        '--supabase-api-url', sandbox.url, '--expect-region', 'us-east-1', '--out', out],
      { ...SENTINELS, DATABASE_URL: dbUrl },
      cwd,
    );
    expect(code, stdout + stderr).toBe(0);
    const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    const byId = Object.fromEntries(record.checks.map((c) => [c.id, c]));
    expect(byId['project.region']!.status).toBe('pass');
    expect(byId['db.reachable']!.status).toBe('pass');
    expect(byId['worker.canary']!.status).toBe('pass');
    expect(byId['db.row_parity']).toMatchObject({ status: 'skip', summary: expect.stringMatching(/needs --source-database-url/) });
    expect(byId['restore.readiness']).toMatchObject({ status: 'skip', summary: expect.stringMatching(/needs --readiness FILE/) });
    const everything = [stdout, stderr, ...readdirSync(out).map((f) => readFileSync(path.join(out, f), 'utf8'))].join('\n');
    for (const secret of [...Object.values(SENTINELS), 'sentinel-dbpass-41b7']) expect(everything).not.toContain(secret);
  });

  it('exit 1 naming the failed check', async () => {
    const { code, stdout } = await execDrill(
      ['validate', '--target', sandbox.url, '--window', '1s', '--supabase-project-ref', sandbox.options.projectRef, '--supabase-api-url', sandbox.url,
        '--expect-region', 'ap-south-1', '--out', path.join(cwd, 'region')],
      SENTINELS,
      cwd,
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/project\.region failed: project drillsandboxlocalref is in us-east-1, expected ap-south-1/);
  });

  it('bad flags exit 2', async () => {
    const bad = await runCli(['validate', '--target', sandbox.url, '--cutover-at', 'yesterday'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cutover-at: "yesterday" is not an ISO 8601 time/);
    const url = await runCli(['validate', '--target', sandbox.url, '--database-url', 'mysql://x'], { cwd });
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/--database-url: not a postgres:\/\/ connection URL/);
  });

  it('a database URL with a password is refused as a flag (exit 2), naming the variable and never the password', async () => {
    for (const [flag, env, url] of [
      ['--database-url', 'DATABASE_URL', 'postgres://postgres:flag-pass-9d1c@127.0.0.1:5432/x'],
      ['--source-database-url', 'SOURCE_DATABASE_URL', 'postgresql://127.0.0.1:5432/x?user=postgres&password=flag-pass-9d1c'],
    ] as const) {
      const { code, stderr } = await runCli(['validate', '--target', sandbox.url, flag, url], { cwd });
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(`drill: drill validate ${flag}: the URL holds a password, and flags show in the process list; put it in ${env} instead`);
      expect(stderr).not.toContain('flag-pass-9d1c');
    }
    // Without a password (trust or .pgpass) the flag is fine: the run goes on to its checks.
    const ok = await runCli(['validate', '--target', sandbox.url, '--database-url', database.url, '--window', '250ms', '--out', path.join(cwd, 'nopass')], { cwd });
    expect(ok.stderr).not.toMatch(/holds a password/);
  });

  it('the same database as old and new exits 2 naming the fix, even behind another URL; no password leaks', async () => {
    const withPassword = database.url.replace('postgres@', 'postgres:sentinel-dbpass-41b7@');
    const same = await runCli(['validate', '--target', sandbox.url, '--out', path.join(cwd, 'same')], {
      cwd,
      env: { DATABASE_URL: withPassword, SOURCE_DATABASE_URL: withPassword.replace('127.0.0.1', 'localhost') },
    });
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/^drill: the old and the new database are the same database \(drill_test_\w+, system identifier \d+, database oid \d+\): point SOURCE_DATABASE_URL \(--source-database-url\) at the old project/);
    expect(same.stderr + same.stdout).not.toContain('sentinel-dbpass-41b7');
  });
});
