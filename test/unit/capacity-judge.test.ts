import { describe, expect, it } from 'vitest';
import { parseFault, formatFault, ServicePool, FaultParseError } from '../../sandbox/faults.ts';
import { judgeStep, nextRate, slopePerSecond, type StepObservation } from '../../runs/capacity-judge.ts';
import { resolveThresholdSpecs } from '../../thresholds/specs.ts';
import type { RouteSummary } from '../../record/load.ts';

const LIMITS = { maxScheduleLagP99: 50, maxWorkerUtilization: 0.95, maxErrorRate: 0.01, minRequests: 5 };
const THRESHOLDS = resolveThresholdSpecs({ overall: ['p(95)<800'] }, null);

function overall(o: Partial<RouteSummary> = {}): RouteSummary {
  return { requests: 500, rps: 100, errors: 0, errorRate: 0, timeouts: 0, authFailures: 0, status: { 200: 500 }, transportErrors: {}, latencyMs: { min: 40, mean: 50, p50: 50, p90: 55, p95: 60, p99: 70, max: 90 }, ...o };
}

/** A steady step at 100/s: in flight flat at ~5, backlog flat at 2. */
function step(o: Partial<StepObservation> = {}, load: Partial<RouteSummary> = {}): StepObservation {
  const points = (f: (i: number) => number) => Array.from({ length: 20 }, (_, i) => ({ tMs: i * 250, n: f(i) }));
  return {
    rate: 100, holdMs: 5000, load: { overall: overall(load), routes: {} }, percentileMs: () => null,
    inFlight: points((i) => 5 + (i % 3) - 1), backlog: points(() => 2), normalBacklog: 10, firing: [],
    generator: { scheduleLagP99Ms: 2, peakWorkerUtilization: 0.3 }, ...o,
  };
}

const signals = (o: StepObservation) => judgeStep(o, THRESHOLDS, LIMITS).broke.map((b) => b.signal);

describe('judging one capacity step: each signal breaks it, and a steady step passes', () => {
  it('a steady step is sustainable', () => {
    expect(judgeStep(step(), THRESHOLDS, LIMITS)).toEqual({ sustainable: true, generatorLimited: false, broke: [] });
  });

  it('threshold: the step p95 over 800 ms', () => {
    expect(signals(step({}, { latencyMs: { min: 1, mean: 900, p50: 900, p90: 950, p95: 1200, p99: 1300, max: 1400 } }))).toEqual(['threshold']);
  });

  it('alert: a runbook alert firing', () => {
    expect(signals(step({ firing: ['queue_backlog_high'] }))).toEqual(['alert']);
  });

  it('queue: the job backlog growing through the step past normal; flat or within normal is not', () => {
    expect(signals(step({ backlog: Array.from({ length: 10 }, (_, i) => ({ tMs: i * 500, n: 5 + i * 4 })) }))).toEqual(['queue']);
    expect(signals(step({ backlog: Array.from({ length: 10 }, (_, i) => ({ tMs: i * 500, n: i % 2 ? 8 : 3 })) }))).toEqual([]);
  });

  it('in_flight: requests piling up (arrivals outpace answers), or arrivals dropped at the cap', () => {
    expect(signals(step({ inFlight: Array.from({ length: 20 }, (_, i) => ({ tMs: i * 250, n: 5 + i * 3 })) }))).toEqual(['in_flight']);
    expect(signals(step({}, { dropped: 12 }))).toEqual(['in_flight']);
  });

  it('error_rate: over capacity.maxErrorRate, or no answer at all', () => {
    expect(signals(step({}, { errors: 25, errorRate: 0.05 }))).toEqual(['error_rate']);
    expect(signals(step({}, { requests: 0, latencyMs: null }))).toEqual(['error_rate']);
  });

  it('generator: a saturated generator makes the step say nothing of the app', () => {
    const j = judgeStep(step({ generator: { scheduleLagP99Ms: 120, peakWorkerUtilization: 0.99 } }, { errorRate: 0.5 }), THRESHOLDS, LIMITS);
    expect(j.generatorLimited).toBe(true);
    expect(j.broke.map((b) => b.signal)).toEqual(['generator', 'generator']);
  });

  it('the slope is per second, and 0 with too few points', () => {
    expect(slopePerSecond([{ tMs: 0, n: 0 }, { tMs: 1000, n: 10 }, { tMs: 2000, n: 20 }])).toBeCloseTo(10);
    expect(slopePerSecond([{ tMs: 0, n: 0 }])).toBe(0);
  });
});

describe('the search: ramp, then bisection to within the precision', () => {
  const o = { startRate: 10, maxRate: 1000, stepFactor: 2, precision: 0.1 };
  it('ramps by the factor, bisects the bracket, and stops once it is narrow enough or the cap held', () => {
    expect(nextRate({ low: null, high: null, last: null }, o)).toBe(10);
    expect(nextRate({ low: 10, high: null, last: 10 }, o)).toBe(20);
    expect(nextRate({ low: 640, high: null, last: 640 }, o)).toBe(1000);
    expect(nextRate({ low: 1000, high: null, last: 1000 }, o)).toBeNull();
    expect(nextRate({ low: 80, high: 160, last: 160 }, o)).toBe(120);
    expect(nextRate({ low: 100, high: 108, last: 108 }, o)).toBeNull();
    expect(nextRate({ low: null, high: 10, last: 10 }, o)).toBe(5);
  });
});

describe('the sandbox capacity fault', () => {
  it('parses req/s and an optional service time, and refuses nonsense naming the fix', () => {
    expect(parseFault('capacity:100')).toEqual({ kind: 'capacity', perSecond: 100, serviceMs: 50 });
    expect(formatFault(parseFault('capacity:300:20'))).toBe('capacity:300:20');
    expect(() => parseFault('capacity:0')).toThrow(FaultParseError);
    expect(() => parseFault('capacity:abc')).toThrow(/capacity req\/s must be a number/);
  });

  it('serves at most its capacity: beyond it requests queue and wait longer and longer', async () => {
    const pool = new ServicePool(200, 10); // 2 slots of 10 ms
    expect(pool.slots).toBe(2);
    const started = Date.now();
    const ends: number[] = [];
    await Promise.all(Array.from({ length: 20 }, () => pool.serve().then(() => ends.push(Date.now() - started))));
    // 20 requests at 200/s take 100 ms; the last waited about ten services.
    expect(Math.max(...ends)).toBeGreaterThanOrEqual(95);
    expect(ends[19]! - ends[1]!).toBeGreaterThanOrEqual(80);
    expect(pool.queued).toBe(0);
  });
});
