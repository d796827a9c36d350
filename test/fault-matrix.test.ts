import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deepMerge, parseConfig } from '../config/load.ts';
import { RunRecord } from '../record/run-record.ts';
import { RunDir } from '../record/run-dir.ts';
import { validateRun } from '../runs/validate.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { parseScenario } from '../scenarios/load.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';
import { stressFor } from './helpers/stress.ts';
import { FAST_ALERTS, fired, watchFor } from './helpers/watch.ts';

// The cells of docs/fault-matrix.md not covered by the per-command suites, and the
// healthy-sandbox control over repeated runs.
const fixture = sandboxOnTestDatabase({ ambientJobsPerTick: 1 });
let sandbox: TestSandbox;
let cookies: string[];

beforeAll(async () => {
  ({ sandbox } = fixture);
  cookies = await sandbox.mintCookies(6);
});
beforeEach(() => sandbox.faults.clear());

describe('fault matrix', () => {
  it('stall: stress shows the stall in the route tail and fails its p99 threshold', async () => {
    sandbox.faults.add('stall:/api/admin/tags:800:2000');
    const scenario = parseScenario({ name: 'tags', routes: [{ path: '/api/admin/tags', weight: 1 }] }, 'test');
    // A 100 ms think (the profile's think time wins over the scenario's) brings every user
    // into each 800 ms stall within its first ~100 ms: about 6 answers of 700 ms or more per
    // stall among ~150 requests, so the p99 shows it on every run, not by luck.
    const config = { thresholds: { 'GET /api/admin/tags': ['p(99)<500'] }, stress: { profiles: { smoke: { thinkTime: { distribution: 'constant' as const, mean: '100ms', min: '0ms' } } } } };
    const { record } = await stressFor(sandbox.url, { cookies, cronSecret: TEST_CRON_SECRET, durationMs: 5000, users: 6, scenario, config });
    const check = record.checks.find((c) => c.id === 'threshold.GET /api/admin/tags.p(99)<500')!;
    expect(check.status, check.summary).toBe('fail');
    expect(record.results).toMatchObject({ load: { routes: { 'GET /api/admin/tags': { requests: expect.any(Number) } } } });
    const tags = (record.results as { load: { routes: Record<string, { requests: number; latencyMs: { max: number } }> } }).load.routes['GET /api/admin/tags']!;
    expect(tags.requests).toBeGreaterThan(80);
    expect(tags.latencyMs.max).toBeGreaterThan(600);
  });

  it('degraded: validate fails health.public and health.sustained', async () => {
    sandbox.faults.add('degraded');
    const runDir = RunDir.create(mkdtempSync(path.join(tmpdir(), 'drill-matrix-')));
    const config = parseConfig(deepMerge(FAST_ALERTS, { validate: { window: '1500ms' } }));
    const record = RunRecord.parse(
      await validateRun({
        config, target: sandbox.url, cronSecret: TEST_CRON_SECRET, runDir, signal: new AbortController().signal,
        checks: CUTOVER_CHECKS.filter((c) => c.id.startsWith('health.')),
      }),
    );
    const status = Object.fromEntries(record.checks.map((c) => [c.id, c.status]));
    expect(status['health.public']).toBe('fail');
    expect(status['health.sustained']).toBe('fail');
    expect(record.verdict).toBe('fail');
  });

  it('healthy sandbox, repeated: three watches and a stress drill raise no alert and fail no check', async () => {
    for (let i = 0; i < 3; i += 1) {
      const { record } = await watchFor(sandbox.url, 2000, { cronSecret: TEST_CRON_SECRET, logs: { kind: 'file', path: sandbox.logFile } });
      expect(fired(record), `watch ${i + 1}`).toEqual([]);
      expect(record.checks.filter((c) => c.status !== 'pass'), `watch ${i + 1}`).toEqual([]);
    }
    const { record } = await stressFor(sandbox.url, { cookies, cronSecret: TEST_CRON_SECRET, logs: sandbox.logFile });
    expect(fired(record)).toEqual([]);
    expect(record.checks.filter((c) => c.strict && (c.status === 'fail' || c.status === 'error'))).toEqual([]);
  });
});
