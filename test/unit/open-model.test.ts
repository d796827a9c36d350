import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseJs } from 'acorn';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { UsageError } from '../../core/errors.ts';
import { exportK6 } from '../../k6/export.ts';
import { mergeK6Summaries } from '../../k6/ingest.ts';
import { planK6Export, planStress } from '../../runs/stress-plan.ts';
import { defaultScenario } from '../../scenarios/load.ts';
import { PROFILES, resolveProfile } from '../../scenarios/profiles.ts';
import { evaluateThresholds } from '../../thresholds/evaluate.ts';
import { parseThreshold } from '../../thresholds/parse.ts';
import { resolveThresholdSpecs } from '../../thresholds/specs.ts';
import type { RouteSummary } from '../../record/load.ts';
import { loadK6Script } from '../helpers/k6-standin.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const config = parseConfig({});

describe('open model: profiles, flags and config', () => {
  it('--rate turns any profile into arrivals per second with the same shape, peaking at N', () => {
    const p = resolveProfile('launch', config, { rate: 200 });
    expect(p.model).toBe('open');
    expect(p.peakRate).toBe(200);
    expect(p.peakUsers).toBe(0);
    expect(p.stages.map((s) => s.target)).toEqual([200, 200, 0]);
    expect(p.thinkTime.mean).toBe(0);
    expect(resolveProfile('launch', config, {}).model).toBe('closed');
  });

  it('config stages take a rate: an open model; a mix of users and rates is refused naming the key', () => {
    const open = resolveProfile('smoke', parseConfig({ stress: { profiles: { smoke: { stages: [{ duration: '10s', rate: 50 }, { duration: '20s', rate: 120 }] } } } }), {});
    expect(open).toMatchObject({ model: 'open', peakRate: 120, durationMs: 30_000 });
    const mixed = parseConfig({ stress: { profiles: { smoke: { stages: [{ duration: '10s', rate: 50 }, { duration: '20s', target: 10 }] } } } });
    expect(() => resolveProfile('smoke', mixed, {})).toThrow(/stress\.profiles\.smoke\.stages: give every stage a target \(users\) or every stage a rate/);
    expect(() => resolveProfile('spike', config, { users: 10 })).toThrow(/open model .* use --rate N/);
    expect(() => resolveProfile('smoke', config, { users: 10, rate: 10 })).toThrow(UsageError);
  });

  it('soak, spike and breakpoint are profiles, each saying when to use it; spike jumps and comes back down', () => {
    for (const name of ['soak', 'spike', 'breakpoint'] as const) expect(PROFILES[name].use).toBeTruthy();
    const spike = PROFILES.spike.stages.map((s) => s.target);
    expect(Math.max(...spike)).toBeGreaterThanOrEqual(5 * spike[0]!);
    expect(spike.at(-1)).toBe(spike[0]);
    expect(resolveProfile('soak', config, {}).durationMs).toBeGreaterThanOrEqual(60 * 60_000);
  });

  it('the rate cap applies to an open model as it does to users', () => {
    const profile = resolveProfile('spike', parseConfig({ limits: { maxRatePerSecond: 100 } }), { rate: 500 });
    expect(() => planStress({ config: parseConfig({ limits: { maxRatePerSecond: 100 } }), target: 'http://127.0.0.1:1', engine: 'drill', profile, scenario: defaultScenario(), cookies: ['a=b'] })).toThrow(
      /about 500 requests\/s, over the cap of 100; lower --users or --rate/,
    );
    expect(() => planStress({ config, target: 'http://127.0.0.1:1', engine: 'autocannon', profile: resolveProfile('max', config, { rate: 10 }), scenario: defaultScenario(), cookies: ['a=b'] })).toThrow(/autocannon runs closed-model ceilings only/);
  });
});

describe('dropped arrivals as thresholds', () => {
  const summary = (requests: number, dropped: number): RouteSummary => ({ requests, rps: 0, errors: 0, errorRate: 0, timeouts: 0, authFailures: 0, status: {}, transportErrors: {}, latencyMs: null, dropped });

  it('dropped counts and dropped_rate shares of intended: a pass and a fail each', () => {
    expect(parseThreshold('dropped_rate<1%')).toMatchObject({ metric: 'dropped_rate', value: 0.01 });
    const specs = resolveThresholdSpecs({ overall: ['dropped<5', 'dropped_rate<1%'] }, null);
    expect(evaluateThresholds(specs, summary(1000, 2), {}, () => null).map((r) => r.status)).toEqual(['pass', 'pass']);
    const failed = evaluateThresholds(specs, summary(900, 100), {}, () => null);
    expect(failed.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(failed[1]!.summary).toMatch(/was 10\.00%/);
  });

  it('is counted overall only: on a route it is refused, naming the key and the fix', () => {
    expect(() => resolveThresholdSpecs({ 'GET /x': ['dropped<1'] }, null)).toThrow(/thresholds\.GET \/x: dropped is counted overall only .* move "dropped<1" under overall/);
    expect(() => parseThreshold('dropped_rate<2s')).toThrow(/takes a percentage/);
  });
});

describe('drill k6 export of an open model: ramping-arrival-rate', () => {
  function exported(profile = resolveProfile('spike', config, {}), thresholds = resolveThresholdSpecs({ overall: ['dropped<10'] }, null)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-k6-open-'));
    exportK6({ scenario: defaultScenario(), profile, thresholds, outDir: dir, parallelism: 1, maxInFlight: 300 });
    return { dir, file: path.join(dir, 'script.js'), text: readFileSync(path.join(dir, 'script.js'), 'utf8') };
  }

  it('writes the stages as rates, maxVUs as the in-flight cap, dropped as dropped_iterations, and never sleeps', () => {
    const { file, text } = exported();
    const k6 = loadK6Script(file, { BASE_URL: 'http://127.0.0.1:3999' });
    const drill = (k6.options.scenarios as Record<string, Record<string, unknown>>).drill!;
    expect(drill).toMatchObject({ executor: 'ramping-arrival-rate', timeUnit: '1s', startRate: 0, maxVUs: 300 });
    expect(drill.stages).toEqual(PROFILES.spike.stages.map((s) => ({ duration: `${s.durationMs / 1000}s`, target: s.target })));
    expect((k6.options.thresholds as Record<string, unknown>).dropped_iterations).toEqual(['count<10']);
    for (let i = 0; i < 20; i += 1) k6.run();
    expect(k6.requests).toHaveLength(20);
    expect(k6.sleeps).toEqual([]);
    expect(() => parseJs(text, { ecmaVersion: 2017, sourceType: 'module' })).not.toThrow();
  });

  it('fractional rates go per minute, since k6 targets are whole numbers', () => {
    const { file } = exported(resolveProfile('smoke', parseConfig({ stress: { profiles: { smoke: { stages: [{ duration: '1m', rate: 0.5 }] } } } }), {}), []);
    const drill = (loadK6Script(file, { BASE_URL: 'http://x' }).options.scenarios as Record<string, Record<string, unknown>>).drill!;
    expect(drill).toMatchObject({ timeUnit: '1m', stages: [{ duration: '60s', target: 30 }] });
  });

  it('type-checks against @types/k6', () => {
    const { dir } = exported();
    const tsconfig = {
      compilerOptions: { allowJs: true, checkJs: true, noEmit: true, target: 'ES2017', module: 'ES2015', moduleResolution: 'node', strict: false, types: ['k6'], typeRoots: [path.join(ROOT, 'node_modules/@types')], lib: ['ES2017'] },
      files: ['script.js'],
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    expect(() => execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' })).not.toThrow();
  }, 60_000);

  it('k6 ingest reads dropped_iterations back as dropped arrivals', () => {
    const merged = mergeK6Summaries(
      [{ file: 'a.json', durationMs: 10_000, metrics: { http_reqs: { values: { count: 100, rate: 10 }, thresholds: {} }, dropped_iterations: { values: { count: 7 }, thresholds: {} } } }] as never,
      defaultScenario(),
    );
    expect(merged.load.dropped).toBe(7);
    expect(merged.load.overall.dropped).toBe(7);
    expect(planK6Export({ config, profile: resolveProfile('breakpoint', config, {}), scenario: defaultScenario() }).thresholds.some((t) => t.threshold.metric === 'dropped_rate')).toBe(true);
  });
});
