import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMerge, parseConfig, resolvedConfig } from '../config/load.ts';
import type { DrillConfigInput } from '../config/schema.ts';
import { runCapacity } from '../runs/capacity.ts';
import type { ScenarioInput } from '../scenarios/schema.ts';
import { sandboxOnTestDatabase, TEST_CRON_SECRET, type TestSandbox } from './helpers/sandbox.ts';
import { FAST_STRESS } from './helpers/stress.ts';

// The cheapest route the sandbox has, so the knee is the capacity fault's and never the
// sandbox's own CPU (it shares this 2-core machine with the generator).
const LOGIN_ONLY: ScenarioInput = { name: 'login-only', routes: [{ name: 'GET /login', method: 'GET', path: '/login', weight: 1, auth: 'none' }] };

/** A short search: small holds, 10 % precision; generous generator limits, so it judges the sandbox. */
function searchConfig(extra: DrillConfigInput = {}) {
  return resolvedConfig(parseConfig(deepMerge(FAST_STRESS, deepMerge({ capacity: { stepFactor: 1.5, hold: '2500ms', precision: 0.1, maxDuration: '90s' } }, extra as Record<string, unknown>))));
}

let lastDir = '';
async function search(sandbox: TestSandbox, startRate: number, expectRate: number, config = searchConfig()) {
  lastDir = mkdtempSync(path.join(tmpdir(), 'drill-capacity-'));
  return runCapacity({
    config, out: lastDir, env: {}, target: sandbox.url, scenario: LOGIN_ONLY, cookies: await sandbox.mintCookies(2),
    cronSecret: TEST_CRON_SECRET, startRate, expect: expectRate, workers: 1,
  });
}

describe('drill capacity against a sandbox that saturates honestly', () => {
  const hundred = sandboxOnTestDatabase({ faults: ['capacity:100'] });
  const threeHundred = sandboxOnTestDatabase({ faults: ['capacity:300:20'] });

  it('finds the knee of a 100/s app within 15 %, names what broke, and gives the headroom', async () => {
    const started = Date.now();
    const record = await search(hundred.sandbox, 40, 50);
    const r = record.results;
    expect(r.limitedBy).toBe('app');
    expect(r.sustainable!.rate).toBeGreaterThanOrEqual(85);
    expect(r.sustainable!.rate).toBeLessThanOrEqual(115);
    expect(r.firstBreak!.signal).toMatch(/in_flight|threshold/);
    expect(r.headroom).toBeGreaterThan(1.6);
    expect(record.verdict).toBe('pass');
    expect(record.checks.find((c) => c.id === 'capacity.headroom')!.summary).toMatch(/^headroom \d\.\d× over the expected 50\/s/);
    expect(r.steps!.some((s) => s.phase === 'bisect')).toBe(true);
    expect(Date.now() - started).toBeLessThan(90_000);
    // The report: the answer in words, every step, and the rate-against-latency chart's data.
    const md = readFileSync(path.join(lastDir, 'report.md'), 'utf8');
    expect(md).toContain(`Highest sustainable rate: **${r.sustainable!.rate}/s**`);
    expect(md).toMatch(/\| 1 \| ramp \| 40 \|/);
    const html = readFileSync(path.join(lastDir, 'report.html'), 'utf8');
    expect(html).toContain('id="c-capacity"');
    expect(html).toContain(`"rate":[${[...r.steps!].sort((a, b) => a.rate - b.rate).map((s) => s.rate).join(',')}]`);
  }, 120_000);

  it('finds the knee of a 300/s app within 15 %, and fails below the expected traffic', async () => {
    const record = await search(threeHundred.sandbox, 120, 400);
    const r = record.results;
    expect(r.sustainable!.rate).toBeGreaterThanOrEqual(255);
    expect(r.sustainable!.rate).toBeLessThanOrEqual(345);
    expect(record.verdict).toBe('fail');
    expect(record.checks.find((c) => c.id === 'capacity.headroom')).toMatchObject({ status: 'fail' });
    expect(r.headroom).toBeLessThan(1);
  }, 120_000);

  it('a saturated generator ends the search as invalid, never as the app\'s limit', async () => {
    // Any schedule lag over 0 ms counts as saturation here: the generator's limit is "reached" at once.
    const record = await search(hundred.sandbox, 20, 10, searchConfig({ limits: { maxScheduleLagP99: '0ms' } }));
    expect(record.verdict).toBe('invalid');
    expect(record.results.limitedBy).toBe('generator');
    expect(record.reasons[0]).toMatch(/^generator-limited at 20\/s/);
    expect(record.results.firstBreak).toBeNull();
    expect(record.checks.find((c) => c.id === 'capacity.headroom')).toBeUndefined();
  }, 60_000);
});
