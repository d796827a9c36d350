import { decideVerdict } from '../../record/run-record.ts';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import type { RouteSummary } from '../../record/load.ts';
import { evaluateThresholds } from '../../thresholds/evaluate.ts';
import { ThresholdError, parseThreshold } from '../../thresholds/parse.ts';

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
    expect(parseConfig({ thresholds: { overall: [{ threshold: 'p(95)<800', abortOnFail: true, delayAbortEval: '5s' }] } }).thresholds).toEqual({
      overall: [{ threshold: 'p(95)<800', abortOnFail: true, delayAbortEval: 5000 }],
    });
    // The object form's abort rule defaults to off, after a 10 s warm-up.
    expect(parseConfig({ thresholds: { overall: [{ threshold: 'p(95)<800' }] } }).thresholds.overall).toEqual([{ threshold: 'p(95)<800', abortOnFail: false, delayAbortEval: 10_000 }]);
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

  it('too few requests, on a route or overall, is not evaluated (and so never a pass)', () => {
    const empty = summary({ requests: 0, latencyMs: null, errorRate: 0 });
    const [route, overall] = evaluateThresholds([spec('GET /x', 'p(95)<800'), spec('overall', 'p(95)<800')], empty, { 'GET /x': empty }, noPercentile);
    expect(route!.status).toBe('not_evaluated');
    expect(overall!.status).toBe('not_evaluated');
    // Three fast requests against a minimum of 50: the p95 is not judged, whatever it reads.
    const three = summary({ requests: 3 });
    const [few] = evaluateThresholds([spec('overall', 'p(95)<800')], three, {}, noPercentile, 50);
    expect(few).toMatchObject({ status: 'not_evaluated', evidence: { requests: 3, minRequests: 50 } });
    expect(few!.summary).toMatch(/3 requests to judge overall by, fewer than the 50 a threshold needs \(stress\.minRequests\)/);
    expect(decideVerdict({ checks: [{ ...few!, strict: true, status: few!.status! }], alerts: [] }).verdict).toBe('fail');
    const [enough] = evaluateThresholds([spec('overall', 'p(95)<800')], summary({ requests: 50 }), {}, noPercentile, 50);
    expect(enough!.status).toBe('pass');
  });
});
