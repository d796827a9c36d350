import * as hdr from 'hdr-histogram-js';
import type { MachineSummary, RouteSummary } from '../../record/load.ts';
import type { RunRecordInput } from '../../record/run-record.ts';
import { stressRecord } from './synthetic-run.ts';

/** Stress records whose routes carry real HDR histograms of seeded log-normal latencies. */
export const REFERENCE = 'HEAD /api/health';
export const JOBS = 'GET /api/admin/jobs';
export const INVOICES = 'GET /api/admin/invoices';

function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

function histogramOf(n: number, medianMs: number, seed: number): { summary: RouteSummary; hist: hdr.Histogram } {
  const rand = rng(seed);
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true });
  for (let i = 0; i < n; i += 1) {
    const z = Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
    hist.recordValue(Math.max(1, Math.round(medianMs * 1000 * Math.exp(0.4 * z))));
  }
  const ms = (us: number) => us / 1000;
  const summary: RouteSummary = {
    requests: n, rps: n / 300, errors: 0, errorRate: 0, timeouts: 0, authFailures: 0, status: { 200: n }, transportErrors: {},
    latencyMs: { min: ms(hist.minNonZeroValue), mean: ms(hist.mean), p50: ms(hist.getValueAtPercentile(50)), p90: ms(hist.getValueAtPercentile(90)), p95: ms(hist.getValueAtPercentile(95)), p99: ms(hist.getValueAtPercentile(99)), max: ms(hist.maxValue) },
    histogram: hdr.encodeIntoCompressedBase64(hist),
  };
  return { summary, hist };
}

export interface RouteSpec {
  n: number;
  medianMs: number;
}

/** A stress record of these routes (median latency and request count each), seeded. */
export function histogramRecord(routes: Record<string, RouteSpec>, seed: number, machine: Partial<MachineSummary> = {}): RunRecordInput {
  const base = stressRecord(1);
  const built = Object.entries(routes).map(([name, r], i) => [name, histogramOf(r.n, r.medianMs, seed * 1000 + i + 1)] as const);
  const overall = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true });
  for (const [, b] of built) overall.add(b.hist);
  const n = built.reduce((a, [, b]) => a + b.summary.requests, 0);
  const results = base.results as Record<string, unknown>;
  return {
    ...base,
    results: {
      ...results,
      load: {
        overall: { ...built[0]![1].summary, requests: n, rps: n / 300, status: { 200: n }, histogram: hdr.encodeIntoCompressedBase64(overall) },
        routes: Object.fromEntries(built.map(([name, b]) => [name, b.summary])),
      },
      machine: { cpus: 2, cpuBusy: { mean: 0.3, p95: 0.4, max: 0.5 }, loadAverage: { start: 0.5, end: 0.5 }, scheduleLagMs: { p50: 0, p99: 1 }, referenceRoute: null, ...machine },
    },
  };
}
