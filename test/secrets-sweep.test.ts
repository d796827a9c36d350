import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnDrill } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { startTestSandbox } from './helpers/sandbox.ts';

// Every command, run with sentinel secrets in the environment, a flag and the config:
// none of them may appear in stdout, stderr, the app logs or any file drill writes.
const S = {
  cron: 'sentinel-cron-7d1e5b',
  token: 'sbp_sentinel_token_c0ffee42',
  dbPassword: 'sentinel-dbpw-9a8b7c',
  sourcePassword: 'sentinel-srcpw-1f2e3d',
  control: 'sentinel-control-4b5c6d',
  configPassword: 'sentinel-cfgpw-0e0e0e',
  scratchPassword: 'sentinel-scratchpw-5a5a5a',
};
let database: TestDatabase;
// The old database is a database of its own: one database given as both is refused (exit 2).
let source: TestDatabase;
// The restore drill's scratch target (trust auth: the password is carried, never checked).
let scratch: TestDatabase;
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
let cwd: string;
let cookieValue: string;
const outputs: string[] = [];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  source = await createTestDatabase('drill_old');
  scratch = await createTestDatabase('drill_scratch');
  sandbox = await startTestSandbox({ databaseUrl: database.url, cronSecret: S.cron, supabaseAccessToken: S.token, controlSecret: S.control });
  cwd = mkdtempSync(path.join(tmpdir(), 'drill-sweep-'));
  const cookies = await sandbox.mintCookies(3);
  cookieValue = cookies[0]!.split('=')[1]!.slice(0, 60);
  writeFileSync(path.join(cwd, 'cookies.txt'), cookies.join('\n'));
  const port = new URL(sandbox.url).port;
  // A password in the config file (in a target URL): redacted wherever the config is shown.
  writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({
    target: `http://ops:${S.configPassword}@127.0.0.1:${port}`,
    watch: { interval: '250ms' },
    // A sweep for leaks, not a judgement of the load: a tiny run on a busy machine still passes.
    stress: { baseline: '300ms', recoveryTimeout: '2s', minRequests: 1 },
    limits: { maxScheduleLagP99: '5s', maxWorkerUtilization: 1 },
    validate: { window: '1s', drainTimeout: '2s', canary: { timeout: '5s' } },
  }));
});

afterAll(async () => {
  await sandbox?.stop();
  await database?.drop();
  await source?.drop();
  await scratch?.drop();
});

const env = () => ({
  CRON_SECRET: S.cron,
  SUPABASE_ACCESS_TOKEN: S.token,
  SANDBOX_CONTROL_SECRET: S.control,
  DATABASE_URL: database.url.replace('postgres@', `postgres:${S.dbPassword}@`),
  SOURCE_DATABASE_URL: source.url.replace('postgres@', `postgres:${S.sourcePassword}@`),
  SCRATCH_DATABASE_URL: scratch.url.replace('postgres@', `postgres:${S.scratchPassword}@`),
});

async function run(argv: string[]) {
  const r = await runCli(argv, { cwd, env: env() });
  outputs.push(r.stdout, r.stderr);
  return r;
}

describe('secrets never leak, whatever the command', () => {
  it('runs every command with sentinels set', async () => {
    const stress = await run(['stress', '--target', sandbox.url, '--profile', 'smoke', '--duration', '2s', '--users', '3', '--cookies', 'cookies.txt', '--out', 'stress']);
    expect(stress.code, stress.stderr).toBe(0);
    const watch = await run(['watch', '--target', sandbox.url, '--duration', '1s', '--out', 'watch', '--logs', sandbox.logFile]);
    expect(watch.stdout).toContain('drill watch:');
    // The config's target carries a password: a run that uses it fails, and says so without it.
    await run(['watch', '--duration', '1s', '--out', 'watch-config-target']);
    // The database password comes from DATABASE_URL (env()); as a flag it is refused, below.
    await run(['validate', '--target', sandbox.url, '--supabase-project-ref', sandbox.options.projectRef, '--supabase-api-url', sandbox.url, '--expect-region', 'us-east-1',
      '--cutover-at', new Date().toISOString(), '--out', 'validate']);
    await run(['report', 'stress']);
    await run(['baseline', 'save', 'stress', '--to', 'baseline']);
    await run(['gate', '--baseline', 'baseline', '--current', 'stress', '--out', 'gate']);
    await run(['k6', 'export', '--profile', 'smoke', '--out', 'k6']);
    await run(['logs', sandbox.logFile]);
    await run(['alerts', 'export']);
    await run(['stress', '--profile', 'smoke', '--target', `http://x:${S.configPassword}@staging.cepro.invalid:1`, '--cookies', 'cookies.txt']); // refused: error text
    const refused = await run(['validate', '--target', sandbox.url, '--database-url', `postgres://u:${S.dbPassword}@127.0.0.1:1/x`, '--window', '250ms', '--out', 'validate-refused']);
    expect(refused.stderr).toMatch(/holds a password.*put it in DATABASE_URL/);
    // The restore drill: SOURCE_DATABASE_URL dumped into SCRATCH_DATABASE_URL, both with passwords, and appended to a readiness file.
    const restore = await run(['restore-drill', '--readiness', 'readiness.yml', '--app-url', sandbox.url, '--out', 'restore-drill']);
    expect(restore.stdout).toContain('drill restore-drill:');
    // Again, refused: the scratch database is no longer empty (the error names it, not its URL).
    await run(['restore-drill', '--out', 'restore-drill-refused']);
    await run(['restore-drill', '--restored-url', `postgres://u:${S.scratchPassword}@127.0.0.1:1/x`]);
    // The sandbox itself, as a child process with its own logs.
    const child = spawnDrill(['sandbox', '--port', '0', '--log-file', path.join(cwd, 'sandbox.log')], env(), cwd);
    await child.waitFor('ready at');
    child.child.kill('SIGTERM');
    await child.exited;
    outputs.push(child.stdout(), child.stderr());
    expect(existsSync(path.join(cwd, 'stress', 'run.json'))).toBe(true);
    expect(existsSync(path.join(cwd, 'validate', 'run.json'))).toBe(true);
    expect(existsSync(path.join(cwd, 'restore-drill', 'run.json'))).toBe(true);
    expect(readFileSync(path.join(cwd, 'readiness.yml'), 'utf8')).toContain('kind: restore-drill');
  }, 120_000);

  it('finds no sentinel in any output, log or file', () => {
    const texts = [...outputs, readFileSync(sandbox.logFile, 'utf8'), ...filesUnder(cwd).filter((f) => !f.endsWith('cookies.txt') && !f.endsWith('drill.config.json') && !f.endsWith('cookies.json')).map((f) => readFileSync(f, 'utf8'))];
    expect(texts.length).toBeGreaterThan(30);
    for (const secret of [...Object.values(S), cookieValue]) {
      const hits = texts.filter((t) => t.includes(secret)).map((t) => t.slice(Math.max(0, t.indexOf(secret) - 80), t.indexOf(secret) + 40));
      expect(hits, secret).toEqual([]);
    }
  });
});
