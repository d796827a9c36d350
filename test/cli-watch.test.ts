import { execFileSync } from 'node:child_process';
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
  cwd = mkdtempSync(path.join(tmpdir(), 'drill-cli-watch-'));
  writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, alerts: { health_degraded: { for: '500ms' } } }));
});

const env = { CRON_SECRET: TEST_CRON_SECRET };

describe('drill watch (child process)', () => {
  it('exit 0 on a healthy target, with run.json, report.md and samples.ndjson', async () => {
    const out = path.join(cwd, 'healthy');
    const { code, stdout } = await execDrill(['watch', '--target', sandbox.url, '--duration', '2s', '--out', out], env, cwd);
    expect(code).toBe(0);
    expect(stdout).toContain('drill watch: PASS');
    const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    expect(record).toMatchObject({ kind: 'watch', verdict: 'pass', target: sandbox.url, interrupted: null });
    expect(record.alerts.map((a) => a.id)).toHaveLength(7);
    expect(readFileSync(path.join(out, 'samples.ndjson'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(8);
    expect(existsSync(path.join(out, 'report.md'))).toBe(true);
  });

  it('exit 1 when an alert fires, naming it', async () => {
    sandbox.faults.add('degraded');
    try {
      const { code, stdout } = await execDrill(['watch', '--target', sandbox.url, '--duration', '1500ms', '--out', path.join(cwd, 'degraded')], env, cwd);
      expect(code).toBe(1);
      expect(stdout).toContain('drill watch: FAIL');
      expect(stdout).toMatch(/alert health_degraded (is firing|fired)/);
    } finally {
      sandbox.faults.clear();
    }
  });

  it('exit 3 when the target refuses at start', async () => {
    const { code, stderr } = await execDrill(['watch', '--target', 'http://127.0.0.1:1', '--duration', '2s', '--out', path.join(cwd, 'refused')], env, cwd);
    expect(code).toBe(3);
    expect(stderr).toMatch(/did not answer at start \(.*ECONNREFUSED.*\); is it running and reachable\?/);
  });

  it('SIGINT mid-run writes the partial record and exits 130; SIGTERM exits 143', async () => {
    for (const [signal, expected] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const out = path.join(cwd, `interrupted-${signal}`);
      const run = spawnDrill(['watch', '--target', sandbox.url, '--duration', '1m', '--out', out], env, cwd);
      const samples = path.join(out, 'samples.ndjson');
      // Readiness, bounded but generous: a child process starts slowly on a busy machine.
      await eventually(async () => existsSync(samples) && readFileSync(samples, 'utf8').split('\n').length > 3, 60_000, 100);
      run.child.kill(signal);
      const { code } = await run.exited;
      expect(code).toBe(expected);
      const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
      expect(record.interrupted?.signal).toBe(signal);
      const lines = readFileSync(samples, 'utf8').trim().split('\n');
      expect((record.results.samples as { count: number }).count).toBe(lines.length);
      expect(run.stdout()).toContain('partial record');
    }
  }, 150_000);

  it('usage errors: missing target or duration, a bare-number duration, over the cap, two log sources', async () => {
    const cases: [string[], RegExp][] = [
      [['watch', '--duration', '5s'], /--target is required/],
      [['watch', '--target', sandbox.url], /--duration is required/],
      [['watch', '--target', sandbox.url, '--duration', '30'], /units are required/],
      [['watch', '--target', sandbox.url, '--duration', '3h'], /over the cap of 2h; raise limits\.maxDuration/],
      [['watch', '--target', sandbox.url, '--duration', '1s', '--logs', 'a', '--log-drain', '0'], /use --logs or --log-drain, not both/],
      [['watch', '--target', 'ftp://x', '--duration', '1s'], /--target: "ftp:\/\/x" is not an http\(s\) URL/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await runCli(argv, { cwd });
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
  });

  it('an unwritable --out is exit 3', async () => {
    const file = path.join(cwd, 'a-file');
    writeFileSync(file, '');
    const { code, stderr } = await runCli(['watch', '--target', sandbox.url, '--duration', '1s', '--out', path.join(file, 'run')], { cwd, env });
    expect(code).toBe(3);
    expect(stderr).toMatch(/--out: cannot (write to|create) /);
  });
});

describe('drill alerts export', () => {
  it('prints rules that promtool accepts, with config overrides applied', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-prom-'));
    writeFileSync(path.join(dir, 'drill.config.json'), JSON.stringify({ alerts: { queue_backlog_high: { threshold: 250 }, webhook_failures_spike: { enabled: false } } }));
    const { code, stdout } = await runCli(['alerts', 'export', '--format', 'prometheus'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('expr: (cepro_queue_pending + cepro_queue_retrying) > 250');
    expect(stdout).not.toContain('webhook_failures_spike');
    const file = path.join(dir, 'rules.yml');
    writeFileSync(file, stdout);
    // promtool comes with Debian's prometheus package, which .ci/run installs.
    const result = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(result).toContain('SUCCESS: 6 rules found');
  });

  it('refuses an unknown format', async () => {
    const { code, stderr } = await runCli(['alerts', 'export', '--format', 'datadog']);
    expect(code).toBe(2);
    expect(stderr).toContain('"datadog" is not supported; use prometheus');
  });
});

describe('drill watch --log-drain (child process)', () => {
  it('opens a drain, counts what the host posts to it, and reports the four answers', async () => {
    const out = path.join(cwd, 'drain');
    const run = spawnDrill(['watch', '--target', sandbox.url, '--duration', '3s', '--log-drain', '0', '--out', out], env, cwd);
    // The drain URL is announced on stderr as the run starts.
    let url = '';
    // Bounded by 20 s: a child process starts slowly on a busy machine; this is a readiness wait, not a timing check.
    for (let i = 0; i < 400 && !url; i += 1) {
      url = /log drain listening at (http:\/\/\S+)/.exec(run.stderr())?.[1] ?? '';
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const line = (event: string) => JSON.stringify({ level: 30, time: Date.now(), event });
    const res = await fetch(url, { method: 'POST', body: `${line('background_job_cron.started')}\n${line('background_job_batch.claimed')}\n` });
    expect(res.status).toBe(204);
    const { code } = await run.exited;
    expect(code).toBe(0);
    const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    expect((record.results.logs as { workerRan: { runs: number } }).workerRan.runs).toBe(1);
  });
});
