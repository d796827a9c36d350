import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunRecord } from '../record/run-record.ts';
import { execDrill, runCli, spawnDrill } from './helpers/cli.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';
import { eventually } from './helpers/sandbox.ts';

const fixture = sandboxOnTestDatabase({ ambientJobsPerTick: 1 });
let sandbox: TestSandbox;
let cwd: string;

beforeAll(async () => {
  ({ sandbox } = fixture);
  cwd = mkdtempSync(path.join(tmpdir(), 'drill-cli-stress-'));
  writeFileSync(path.join(cwd, 'cookies.txt'), `# sandbox sessions\n${(await sandbox.mintCookies(5)).join('\n')}\n`);
  writeFileSync(
    path.join(cwd, 'drill.config.json'),
    JSON.stringify({ watch: { interval: '250ms' }, stress: { baseline: '500ms', recoveryTimeout: '3s', minRequests: 5 }, alerts: { worker_cron_failing: { cronPeriod: '1s' } } }),
  );
});

const env = { CRON_SECRET: TEST_CRON_SECRET };

describe('drill stress (child process)', () => {
  it('smoke passes with exit 0 and writes the run directory', async () => {
    const out = path.join(cwd, 'smoke');
    const { code, stdout, stderr } = await execDrill(
      ['stress', '--target', sandbox.url, '--profile', 'smoke', '--duration', '3s', '--users', '5', '--cookies', 'cookies.txt', '--out', out],
      env,
      cwd,
    );
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain('drill stress: PASS');
    expect(stderr).toContain('load: smoke, up to 5 users for 3s');
    const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    expect(record.kind).toBe('stress');
    for (const file of ['samples.ndjson', 'intervals.ndjson', 'alerts.ndjson', 'report.md']) expect(existsSync(path.join(out, file)), file).toBe(true);
    // The pool's cookies never reach the run directory.
    const cookie = readFileSync(path.join(cwd, 'cookies.txt'), 'utf8').split('\n')[1]!;
    for (const file of ['run.json', 'report.md', 'samples.ndjson', 'intervals.ndjson']) {
      expect(readFileSync(path.join(out, file), 'utf8')).not.toContain(cookie.split('=')[1]!.slice(0, 40));
    }
  });

  it('SIGINT during the load stops it, writes the partial record and exits 130', async () => {
    const out = path.join(cwd, 'interrupted');
    const run = spawnDrill(['stress', '--target', sandbox.url, '--profile', 'smoke', '--duration', '1m', '--users', '5', '--cookies', 'cookies.txt', '--out', out], env, cwd);
    const intervals = path.join(out, 'intervals.ndjson');
    // Readiness, bounded but generous: a child process starts slowly on a busy machine.
    await eventually(async () => existsSync(intervals) && readFileSync(intervals, 'utf8').split('\n').length > 2, 60_000, 100);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    expect(record.interrupted?.signal).toBe('SIGINT');
    const load = record.results.load as { overall: { requests: number } };
    const lines = readFileSync(intervals, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.reduce((n, l) => n + l.overall.requests, 0)).toBe(load.overall.requests);
    expect(run.stdout()).toContain('partial record');
  }, 90_000);

  it('usage errors exit 2 with one line', async () => {
    writeFileSync(path.join(cwd, 'bad-cookies.txt'), 'sb-x-auth-token=ok\nthis is not a cookie\n');
    const base = ['stress', '--target', sandbox.url];
    const cases: [string[], RegExp][] = [
      [base, /--profile is required; one of smoke, launch, pricing, nightly, max/],
      [[...base, '--profile', 'huge'], /"huge" is not a profile/],
      [[...base, '--profile', 'smoke'], /no sessions; pass --cookies FILE/],
      [[...base, '--profile', 'smoke', '--cookies', 'nope.txt'], /--cookies: no such file nope\.txt/],
      [[...base, '--profile', 'smoke', '--cookies', 'bad-cookies.txt'], /bad-cookies\.txt line 2 is not a Cookie header/],
      [[...base, '--profile', 'smoke', '--engine', 'gatling'], /"gatling" is not an engine here; use drill, autocannon or k6/],
      [[...base, '--profile', 'smoke', '--cookies', 'cookies.txt', '--config', 'nope.json'], /--config: no such file/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await runCli(argv, { cwd, env });
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(stderr).toMatch(message);
    }
  });

  it('--engine k6 without a k6 binary is exit 3 saying how to get it', async () => {
    const { code, stderr } = await runCli(['stress', '--target', sandbox.url, '--profile', 'smoke', '--engine', 'k6', '--cookies', 'cookies.txt'], { cwd, env: { PATH: '/nonexistent' } });
    expect(code).toBe(3);
    expect(stderr).toMatch(/no k6 binary on PATH; install k6/);
  });
});
