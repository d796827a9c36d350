import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config/load.ts';
import type { RouteSummary } from '../engine/stats.ts';
import { evaluateThresholds } from '../thresholds/evaluate.ts';
import { ThresholdError, parseThreshold } from '../thresholds/parse.ts';

describe('parseThreshold', () => {
  it.each([
    ['p(95)<800', { metric: 'percentile', percentile: 95, op: '<', value: 800 }],
    ['p(99.9) <= 1.5s', { metric: 'percentile', percentile: 99.9, op: '<=', value: 1500 }],
    ['p99<2000ms', { metric: 'percentile', percentile: 99, op: '<', value: 2000 }],
    ['avg<200', { metric: 'avg', value: 200 }],
    ['mean<200', { metric: 'avg', value: 200 }],
    ['med<100', { metric: 'med' }],
    ['max<3s', { metric: 'max', value: 3000 }],
    ['error_rate<1%', { metric: 'error_rate', value: 0.01 }],
    ['error_rate<=0.05', { metric: 'error_rate', value: 0.05 }],
    ['rps>50', { metric: 'rps', op: '>', value: 50 }],
    ['timeouts<1', { metric: 'timeouts' }],
    ['auth_failures<=0', { metric: 'auth_failures', op: '<=', value: 0 }],
  ])('reads %s', (text, expected) => {
    expect(parseThreshold(text)).toMatchObject(expected);
  });

  it.each([
    ['p95 < ', /is not a threshold/],
    ['p(0)<5', /above 0 and at most 100/],
    ['p(101)<5', /above 0 and at most 100/],
    ['error_rate<150%', /between 0% and 100%/],
    ['error_rate<5ms', /takes a percentage/],
    ['avg<5%', /takes ms or s/],
    ['rps>5ms', /plain number/],
    ['latency<5', /is not a threshold/],
    ['p(95)=800', /is not a threshold/],
  ])('refuses %s', (text, why) => {
    expect(() => parseThreshold(text)).toThrow(ThresholdError);
    expect(() => parseThreshold(text)).toThrow(why);
  });

  it('invalid expressions fail the config with their path', () => {
    expect(() => parseConfig({ thresholds: { overall: ['p(95)<800', 'p95<fast'] } })).toThrow(/thresholds\.overall\.1: "p95<fast" is not a threshold/);
    expect(() => parseConfig({ thresholds: { overall: [{ threshold: 'p(95)<800', abortOnFail: true, delayAbortEval: '5s' }] } })).not.toThrow();
  });
});

describe('evaluateThresholds', () => {
  const summary = (over: Partial<RouteSummary> = {}): RouteSummary => ({
    requests: 100, rps: 10, errors: 2, errorRate: 0.02, timeouts: 0, authFailures: 0, status: { 200: 98, 500: 2 }, transportErrors: {},
    latencyMs: { min: 1, mean: 50, p50: 40, p90: 90, p95: 120, p99: 300, max: 900 }, ...over,
  });
  const spec = (key: string, text: string) => ({ key, threshold: parseThreshold(text), abortOnFail: false, delayAbortEvalMs: 0 });
  const noPercentile = () => null;

  it('passes and fails with the measured value in the summary', () => {
    const [ok, bad] = evaluateThresholds([spec('overall', 'p(95)<800'), spec('overall', 'error_rate<1%')], summary(), {}, noPercentile);
    expect(ok).toMatchObject({ status: 'pass', summary: 'overall p(95) was 120.0ms (within p(95)<800) over 100 requests' });
    expect(bad).toMatchObject({ status: 'fail', summary: 'overall error_rate was 2.00% (breaks error_rate<1%) over 100 requests' });
  });

  it('asks the histogram for uncommon percentiles', () => {
    const [r] = evaluateThresholds([spec('overall', 'p(99.9)<500')], summary(), {}, (_k, p) => (p === 99.9 ? 650 : null));
    expect(r).toMatchObject({ status: 'fail', evidence: { value: 650 } });
  });

  it('a route with no requests warns; an empty overall is an error', () => {
    const empty = summary({ requests: 0, latencyMs: null, errorRate: 0 });
    const [route, overall] = evaluateThresholds([spec('GET /x', 'p(95)<800'), spec('overall', 'p(95)<800')], empty, { 'GET /x': empty }, noPercentile);
    expect(route!.status).toBe('warn');
    expect(overall!.status).toBe('error');
  });
});
