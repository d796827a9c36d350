import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deepMerge, parseConfig } from '../core/config/load.ts';
import { RunRecord } from '../reports/record.ts';
import { RunDir } from '../reports/run-dir.ts';
import { validateCutover } from '../runs/validate.ts';
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
    const scenario = parseScenario({ name: 'tags', routes: [{ path: '/api/admin/tags', weight: 1 }], thinkTime: { distribution: 'constant', mean: '100ms', min: '0ms' } }, 'test');
    const { record } = await stressFor(sandbox.url, { cookies, cronSecret: TEST_CRON_SECRET, durationMs: 5000, users: 6, scenario, config: { thresholds: { 'GET /api/admin/tags': ['p(99)<500'] } } });
    const check = record.checks.find((c) => c.id === 'threshold.GET /api/admin/tags.p(99)<500')!;
    expect(check.status, check.summary).toBe('fail');
  });

  it('degraded: validate fails health.public and health.sustained', async () => {
    sandbox.faults.add('degraded');
    const runDir = RunDir.create(mkdtempSync(path.join(tmpdir(), 'drill-matrix-')));
    const config = parseConfig(deepMerge(FAST_ALERTS, { validate: { window: '1500ms' } }));
    const record = RunRecord.parse(
      await validateCutover({
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
