import { readFileSync, rmSync } from 'node:fs';
import { rebuildFromStreams } from '../record/read.ts';
import { stressResultsOf } from '../record/run-record.ts';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';
import { stressFor } from './helpers/stress.ts';
import { parseScenario } from '../scenarios/load.ts';
import { fired } from './helpers/watch.ts';

const fixture = sandboxOnTestDatabase({ ambientJobsPerTick: 1 });
let sandbox: TestSandbox;
let cookies: string[];

beforeAll(async () => {
  ({ sandbox } = fixture);
  cookies = await sandbox.mintCookies(8);
});

beforeEach(() => sandbox.faults.clear());

const run = (extra: Partial<Parameters<typeof stressFor>[1]> = {}) =>
  stressFor(sandbox.url, { cookies, cronSecret: TEST_CRON_SECRET, logs: sandbox.logFile, ...extra });

describe('drill stress --profile smoke against the sandbox', () => {
  it('a run that crashed before run.json: rebuilt from its streams with the same load table', async () => {
    const { record, dir } = await run();
    rmSync(path.join(dir, 'run.json'));
    const rebuilt = rebuildFromStreams(dir);
    expect(rebuilt.verdict).toBe('fail');
    const before = stressResultsOf(record)!.load!;
    const after = stressResultsOf(rebuilt)!.load!;
    // Counts add exactly; the per-second histograms merge into exactly the run's percentiles.
    expect(after.overall.requests).toBe(before.overall.requests);
    expect(after.overall.errors).toBe(before.overall.errors);
    expect(after.overall.latencyMs!.p95).toBe(before.overall.latencyMs!.p95);
    for (const [name, route] of Object.entries(before.routes)) if (route.requests) expect(after.routes[name]!.latencyMs!.p99, name).toBe(route.latencyMs!.p99);
    expect(stressResultsOf(rebuilt)!.engineNotes).toEqual([]);
  });

  it('passes on a healthy sandbox, with per-route stats, intervals and recovery', async () => {
    const { record, dir } = await run();
    expect(record.verdict, record.reasons.join('; ')).toBe('pass');
    const load = record.results.load as { overall: { requests: number; errors: number }; routes: Record<string, { requests: number }> };
    expect(load.overall.requests).toBeGreaterThan(10);
    expect(load.overall.errors).toBe(0);
    expect(Object.keys(load.routes)).toContain('GET /api/admin/jobs');
    expect(record.checks.find((c) => c.id === 'queue.recovery')!.status).toBe('pass');
    expect(fired(record)).toEqual([]);
    const intervals = readFileSync(path.join(dir, 'intervals.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(intervals.length).toBeGreaterThanOrEqual(3);
    expect(intervals.reduce((n, i) => n + i.overall.requests, 0)).toBe(load.overall.requests);
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toContain('## Load');
    expect(md).toContain('| **overall** |');
  });

  it('a slow route fails its threshold and the report names it', async () => {
    sandbox.faults.add('latency:/api/admin/invoices:400');
    // Invoices alone, so the route has enough requests to judge however busy the machine is.
    const scenario = parseScenario({ name: 'invoices', routes: [{ path: '/api/admin/invoices', weight: 1 }] }, 'test');
    const profiles = { smoke: { thinkTime: { distribution: 'constant' as const, mean: '100ms', min: '0ms' } } };
    const { record } = await run({ scenario, users: 4, config: { thresholds: { 'GET /api/admin/invoices': ['p(95)<300'] }, stress: { profiles } } });
    expect(record.verdict).toBe('fail');
    expect(record.reasons.join('\n')).toMatch(/threshold\.GET \/api\/admin\/invoices\.p\(95\)<300 failed: GET \/api\/admin\/invoices p\(95\) was \d+\.\dms/);
    const check = record.checks.find((c) => c.id === 'threshold.GET /api/admin/invoices.p(95)<300')!;
    expect(check.evidence.value as number).toBeGreaterThanOrEqual(400); // the injected 400 ms is never hidden
  });

  it('an error rate fails error_rate<1%', async () => {
    sandbox.faults.add('errors:/api/admin/*:20');
    const { record } = await run();
    expect(record.verdict).toBe('fail');
    // About 58% of the default mix hits /api/admin/*, so roughly 12% of all requests fail.
    expect(record.reasons.join('\n')).toMatch(/threshold\.overall\.error_rate<1% failed: overall error_rate was \d+\.\d\d%/);
    const load = record.results.load as { overall: { errorRate: number } };
    expect(load.overall.errorRate).toBeGreaterThan(0.03);
  });

  it('an abortOnFail threshold stops the load early and says why', async () => {
    sandbox.faults.add('errors:/api/admin/*:50');
    const started = Date.now();
    const { record } = await run({
      durationMs: 20_000,
      config: { thresholds: { overall: [{ threshold: 'error_rate<5%', abortOnFail: true, delayAbortEval: '1500ms' }] } },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    const aborted = record.checks.find((c) => c.id === 'load.aborted')!;
    expect(aborted.status).toBe('fail');
    expect(aborted.summary).toMatch(/overall: error_rate<5% breached after \d+s: overall error_rate was/);
  });

  it('dead-lettering enqueued jobs fires dead_letter_nonzero', async () => {
    sandbox.faults.add('job-fails:campaign_batch');
    const { record } = await run({
      scenario: {
        name: 'enqueue', routes: [{ name: 'enqueue', method: 'POST', path: '/api/admin/campaigns/send', weight: 1, auth: 'session', headers: { 'content-type': 'application/json' }, body: { recipients: 50 }, expect: undefined }],
        thinkTime: { distribution: 'constant', mean: 500, min: 0, max: 1000 }, offsets: { max: 0, step: 25 },
      },
    });
    expect(record.verdict).toBe('fail');
    expect(fired(record)).toContain('dead_letter_nonzero');
    expect(record.reasons.join('\n')).toMatch(/alert dead_letter_nonzero/);
  });

  it('expired sessions fail fast with exit 3 before any load', async () => {
    sandbox.faults.add('auth-expired');
    const error = await run().catch((e) => e);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/first session cookie is refused .*HTTP 401/);
  });

  it('sessions expiring mid-run are counted as auth failures and fire the spike alert', async () => {
    // Timed from the load's own start, not the test's: a slow start must not expire the
    // sessions before the first request (that is the exit-3 case above).
    const { record } = await run({
      durationMs: 5000,
      onProgress: (line) => line.startsWith('load: ') && void setTimeout(() => sandbox.faults.add('auth-expired'), 1500),
    });
    const load = record.results.load as { overall: { authFailures: number } };
    expect(load.overall.authFailures).toBeGreaterThan(5);
    expect(fired(record)).toContain('admin_auth_failures_spike');
  });

  it('a saturated generator makes the run invalid, not failed', async () => {
    const { record } = await run({ config: { limits: { maxScheduleLagP99: '0ms' } } });
    expect(record.verdict).toBe('invalid');
    expect(record.reasons[0]).toMatch(/load generator saturated: requests left .* late at p99/);
  });

  it('--engine autocannon runs the max profile closed-model, with per-route figures', async () => {
    const { record } = await run({ profile: 'max', engine: 'autocannon', users: 4, durationMs: 3000 });
    // A closed loop flat out saturates the in-process sandbox, so its cron may lag and alert;
    // what this test proves is the engine's figures, not the sandbox's health.
    const thresholds = record.checks.filter((c) => c.id.startsWith('threshold.'));
    expect(thresholds.length).toBeGreaterThan(0);
    expect(thresholds.every((c) => c.status === 'pass'), JSON.stringify(thresholds)).toBe(true);
    const load = record.results.load as { overall: { requests: number }; routes: Record<string, { requests: number }> };
    expect(load.overall.requests).toBeGreaterThan(50);
    expect(Object.values(load.routes).reduce((n, r) => n + r.requests, 0)).toBe(load.overall.requests);
    expect(record.results.engine).toBe('autocannon');
  });

  it('the max profile (a closed loop) is bounded by its users, not refused by a rate estimate', async () => {
    const { record } = await run({ profile: 'max', users: 50, durationMs: 1500 });
    const load = record.results.load as { overall: { requests: number } };
    expect(load.overall.requests).toBeGreaterThan(50);
  });

  it('--engine autocannon refuses a paced profile', async () => {
    const error = await run({ engine: 'autocannon' }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/closed-model ceilings only .* use --engine drill, or --profile max/);
  });

  it('refuses a non-loopback target and plans over the caps', async () => {
    const cases: [Parameters<typeof stressFor>, RegExp][] = [
      [['http://staging.cepro.invalid:3999', { cookies }], /staging\.cepro\.invalid is not loopback and not allow-listed/],
      [[sandbox.url, { cookies, users: 50, config: { limits: { maxUsers: 20 } } }], /50 users is over the cap of 20/],
      [[sandbox.url, { cookies, users: 10, config: { limits: { maxRatePerSecond: 5 } } }], /over the cap of 5; lower --users/],
      [[sandbox.url, { cookies, durationMs: 60_000, config: { limits: { maxDuration: '30s' } } }], /1m is over the cap of 30s/],
    ];
    for (const [args, message] of cases) {
      const error = await stressFor(...args).catch((e) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(message);
    }
  });
});
