import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../record/run-record.ts';
import { signalResultsOf, stressResultsOf } from '../record/run-record.ts';
import { parseScenario } from '../scenarios/load.ts';
import { runCli } from './helpers/cli.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';
import { stressFor } from './helpers/stress.ts';
import { watchFor } from './helpers/watch.ts';

// Issue 19's cases, one by one: a run whose own record holds evidence of a problem never
// passes, and a run missing the evidence it needs says "not evaluated", never "fine".
const fixture = sandboxOnTestDatabase({ ambientJobsPerTick: 2 });
let sandbox: TestSandbox;
let cookies: string[];
let cwd: string;

beforeAll(async () => {
  ({ sandbox } = fixture);
  cookies = await sandbox.mintCookies(6);
  cwd = mkdtempSync(path.join(tmpdir(), 'drill-evidence-'));
  writeFileSync(path.join(cwd, 'cookies.txt'), cookies.join('\n'));
});
beforeEach(() => sandbox.faults.clear());

/**
 * What the record itself says went wrong, read from its results (not its checks): the
 * contradiction test is that none of these stands beside a `pass`.
 */
function problemsIn(record: RunRecord): string[] {
  const problems: string[] = [];
  const signals = signalResultsOf(record);
  const queue = signals?.queue;
  if (queue?.last && queue.last.dead_letter > queue.first.dead_letter) problems.push(`dead-letter rose ${queue.first.dead_letter} -> ${queue.last.dead_letter}`);
  const load = stressResultsOf(record)?.load;
  if (load && load.overall.errorRate > 0.01) problems.push(`error rate ${load.overall.errorRate}`);
  if (load && load.overall.authFailures > 5) problems.push(`${load.overall.authFailures} auth failures`);
  const components = record.checks.find((c) => c.id === 'health.components');
  if (components?.evidence && Object.keys((components.evidence as { unhealthy?: object }).unhealthy ?? {}).length && components.status !== 'warn') problems.push('a component reported unhealthy');
  const recovery = stressResultsOf(record)?.recovery;
  if (recovery && !recovery.recovered) problems.push('the queue did not recover');
  const unhealthy = (signals?.samples?.failed ?? 0) > 0 && record.checks.find((c) => c.id === 'watch.samples')?.status === 'fail';
  if (unhealthy) problems.push('health samples failed');
  return problems;
}

const run = (extra: Partial<Parameters<typeof stressFor>[1]> = {}) => stressFor(sandbox.url, { cookies, cronSecret: TEST_CRON_SECRET, logs: sandbox.logFile, ...extra });

describe('contrary evidence wins, for every fault kind', () => {
  // First: the log file is shared, and later tests' faults leave lines in it.
  it('the healthy control: a pass with nothing in the record that says otherwise', async () => {
    const { record } = await run({ durationMs: 5000 });
    expect(record.verdict, record.reasons.join('\n')).toBe('pass');
    expect(problemsIn(record)).toEqual([]);
  });

  const cases: [fault: string, config: Record<string, unknown>, mustFail: RegExp][] = [
    ['job-fails:campaign_batch', {}, /dead_letter_nonzero/],
    ['cron-stopped', {}, /health\.components failed: the app reports worker: stopped/],
    ['degraded', { alerts: { health_degraded: { for: '1s' } } }, /health_degraded/],
    ['webhook-failures', { alerts: { webhook_failures_spike: { window: '5s', threshold: 2 } } }, /webhook_failures_spike/],
  ];
  it.each(cases)('%s: the verdict is not pass, for the reason the matrix names, and no finding stands beside a pass', async (fault, config, mustFail) => {
    sandbox.faults.add(fault);
    const { record } = await run({ config, durationMs: 5000 });
    expect(record.verdict, record.reasons.join('\n')).not.toBe('pass');
    expect(record.reasons.join('\n')).toMatch(mustFail);
  });

  // Route faults: a one-route scenario with a short think, so the route gets enough requests.
  const oneRoute = (route: string) => ({
    scenario: parseScenario({ name: 'one', routes: [{ path: route, weight: 1 }] }, 'test'),
    profile: { smoke: { thinkTime: { distribution: 'constant' as const, mean: '100ms', min: '0ms' } } },
  });

  it('latency: the slow route breaks its threshold', async () => {
    sandbox.faults.add('latency:/api/admin/jobs:400');
    const { scenario, profile } = oneRoute('/api/admin/jobs');
    const { record } = await run({ scenario, config: { thresholds: { 'GET /api/admin/jobs': ['p(95)<300'] }, stress: { profiles: profile } }, durationMs: 4000, users: 4 });
    expect(record.reasons.join('\n')).toMatch(/threshold\.GET \/api\/admin\/jobs\.p\(95\)<300 failed/);
  });

  it('errors: a failing route breaks error_rate<1%', async () => {
    sandbox.faults.add('errors:/api/admin/tags:60');
    const { scenario, profile } = oneRoute('/api/admin/tags');
    const { record } = await run({ scenario, config: { stress: { profiles: profile } }, durationMs: 4000, users: 4 });
    expect(record.verdict, record.reasons.join('\n')).not.toBe('pass');
    expect(record.reasons.join('\n')).toMatch(/error_rate<1% failed/);
  });

  it('stall: the stall shows in the route\'s tail and fails its threshold', async () => {
    sandbox.faults.add('stall:/api/admin/tags:900:1500');
    const scenario = parseScenario({ name: 'tags', routes: [{ path: '/api/admin/tags', weight: 1 }] }, 'test');
    const config = { thresholds: { 'GET /api/admin/tags': ['max<800'] }, stress: { profiles: { smoke: { thinkTime: { distribution: 'constant' as const, mean: '100ms', min: '0ms' } } } } };
    const { record } = await run({ scenario, config, durationMs: 4000, users: 4 });
    expect(record.reasons.join('\n')).toMatch(/threshold\.GET \/api\/admin\/tags\.max<800 failed/);
  });

  it('auth-expired mid-run: sign-ins refused are counted and fail the drill', async () => {
    const { record } = await run({ durationMs: 5000, onProgress: (line) => line.startsWith('load: ') && void setTimeout(() => sandbox.faults.add('auth-expired'), 1500) });
    expect(record.verdict).not.toBe('pass');
    expect(problemsIn(record).join(' ')).toMatch(/auth failures/);
  });

  it('cron-stopped: "normal" is not learned from a baseline the stopped worker broke; the record says why', async () => {
    sandbox.faults.add('cron-stopped');
    const { record } = await run({ durationMs: 3000 });
    const baseline = stressResultsOf(record)!.baseline!;
    expect(baseline).toMatchObject({ learned: false, backlog: null });
    const normal = Number(/^not learned from the baseline \(.*the app reported worker: stopped.*\): the runbook normal of (\d+) applies$/.exec(baseline.reason!)?.[1]);
    // The configured normal (this suite's is 5 jobs), not the stopped worker's growing backlog.
    expect(normal).toBe(5);
    expect(stressResultsOf(record)!.recovery?.normal).toBe(normal);
  });
});

describe('missing evidence is never a pass', () => {
  const logAlerts = (record: RunRecord) => record.alerts.filter((a) => a.id === 'webhook_failures_spike');

  it('a mistyped --logs file: the log checks and alerts are not evaluated, and the run fails', async () => {
    const { record } = await run({ logs: path.join(cwd, 'no-such-app.log'), durationMs: 3000 });
    expect(record.checks.find((c) => c.id === 'logs.received')).toMatchObject({ status: 'not_evaluated' });
    expect(logAlerts(record)[0]).toMatchObject({ state: 'not_evaluated', summary: expect.stringMatching(/logs were asked for but no log line arrived/) });
    expect(record.verdict).toBe('fail');
  });

  it('an empty log file: the same', async () => {
    const empty = path.join(cwd, 'empty.log');
    writeFileSync(empty, '');
    const { record } = await run({ logs: empty, durationMs: 3000 });
    expect(record.checks.find((c) => c.id === 'logs.received')!.status).toBe('not_evaluated');
    expect(record.verdict).toBe('fail');
  });

  it('a log drain nothing posts to: the same', async () => {
    const { record } = await watchFor(sandbox.url, 1500, { cronSecret: TEST_CRON_SECRET, logs: { kind: 'drain', port: 0 } });
    expect(record.checks.find((c) => c.id === 'logs.received')!.status).toBe('not_evaluated');
    expect(logAlerts(record)[0]!.state).toBe('not_evaluated');
    expect(record.verdict).toBe('fail');
  });

  it('a watcher with no snapshot: the queue alerts are not evaluated and the run fails', async () => {
    const { record } = await watchFor(sandbox.url, 1500, { cronSecret: undefined });
    expect(record.checks.find((c) => c.id === 'watch.snapshot')!.status).toBe('not_evaluated');
    expect(record.alerts.find((a) => a.id === 'dead_letter_nonzero')!.state).toBe('not_evaluated');
    expect(record.verdict).toBe('fail');
  });

  it('a 3-request run: its thresholds are not evaluated, and it cannot be blessed as a baseline', async () => {
    const { record, dir } = await run({ users: 1, durationMs: 1500, config: { stress: { minRequests: 50 } } });
    const threshold = record.checks.find((c) => c.id.startsWith('threshold.overall'))!;
    expect(threshold.status).toBe('not_evaluated');
    expect(record.verdict).toBe('fail');
    const save = await runCli(['baseline', 'save', dir, '--to', path.join(cwd, 'baseline-few')], { cwd });
    expect(save.code).toBe(2);
  });

  it('an interrupted run is interrupted, never pass, and baseline save refuses it', async () => {
    const controller = new AbortController();
    const running = stressFor(sandbox.url, { cookies, cronSecret: TEST_CRON_SECRET, durationMs: 6000, onProgress: (line) => line.startsWith('load: ') && void setTimeout(() => controller.abort('SIGINT'), 1000), signal: controller.signal });
    const { record, dir } = await running;
    expect(record.verdict).toBe('interrupted');
    expect(record.reasons[0]).toMatch(/^interrupted by SIGINT: a partial record, never a pass/);
    const save = await runCli(['baseline', 'save', dir, '--to', path.join(cwd, 'baseline-int')], { cwd });
    expect(save.code).toBe(2);
    expect(save.stderr).toMatch(/was interrupted \(SIGINT\): a partial run is never a baseline/);
  });

  it('validate with most checks skipped: a warning, and in strict mode (CI) a failure naming them', async () => {
    const lenient = await runCli(['validate', '--target', sandbox.url, '--window', '500ms', '--drain-timeout', '1s', '--out', path.join(cwd, 'lenient')], { cwd, env: { CRON_SECRET: TEST_CRON_SECRET } });
    const strict = await runCli(['validate', '--target', sandbox.url, '--window', '500ms', '--drain-timeout', '1s', '--out', path.join(cwd, 'strict')], { cwd, env: { CRON_SECRET: TEST_CRON_SECRET, CI: 'true' } });
    expect(lenient.stdout).toMatch(/validate\.complete|checks: /);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/validate\.complete failed: \d+ of \d+ checks skipped \(.*db\.row_parity.*\): in strict mode/);
  });
});

describe('one-line errors, and never two runs in one directory', () => {
  it('a cookies directory, or an unwritable pool path, is one line', async () => {
    mkdirSync(path.join(cwd, 'pool-dir'), { recursive: true });
    const dir = await runCli(['stress', '--target', sandbox.url, '--profile', 'smoke', '--cookies', 'pool-dir'], { cwd });
    expect(dir.code).toBe(2);
    expect(dir.stderr.trim().split('\n')).toEqual(['drill: --cookies: pool-dir is a directory, not a pool file; pass the file drill sandbox --write-cookie-pool wrote']);
  });

  it('a short CRON_SECRET for the sandbox is one line, exit 2, never the value', async () => {
    const { code, stderr } = await runCli(['sandbox', '--port', '0'], { cwd, env: { CRON_SECRET: 'short7x' } });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['drill: drill sandbox: CRON_SECRET must be at least 8 characters']);
  });

  it('a reused --out is refused before anything runs', async () => {
    const out = path.join(cwd, 'used');
    const first = await runCli(['watch', '--target', sandbox.url, '--duration', '500ms', '--out', out], { cwd, env: { CRON_SECRET: TEST_CRON_SECRET } });
    expect([0, 1]).toContain(first.code);
    const second = await runCli(['watch', '--target', sandbox.url, '--duration', '500ms', '--out', out], { cwd, env: { CRON_SECRET: TEST_CRON_SECRET } });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/--out: .*used already holds a run \(.*\); choose a new directory/);
  });

  it('the default mix writes: against a non-loopback target it needs --allow-writes, or --read-only leaves them out', async () => {
    const refused = await runCli(['stress', '--target', 'http://staging.cepro.invalid', '--allow-target', 'staging.cepro.invalid', '--profile', 'smoke', '--cookies', 'cookies.txt'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the scenario writes \(POST \/api\/admin\/campaigns\/send \(enqueue\)\) and staging\.cepro\.invalid is not loopback: pass --read-only .* or --allow-writes/);
    // With either flag the plan passes, and the unresolvable host is then unreachable (exit 3).
    for (const flag of ['--read-only', '--allow-writes']) {
      const r = await runCli(['stress', '--target', 'http://staging.cepro.invalid', '--allow-target', 'staging.cepro.invalid', '--profile', 'smoke', '--cookies', 'cookies.txt', flag, '--out', path.join(cwd, `w${flag}`)], { cwd });
      expect(r.code, r.stderr).toBe(3);
    }
  });
});
