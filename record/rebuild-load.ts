import * as hdr from 'hdr-histogram-js';
import { latencyOf, type IntervalSummary, type LatencySummary, type LoadSummary, type RouteSummary } from './load.ts';

/**
 * The whole run's load figures from its one-second intervals, for a record rebuilt after a
 * crash: counts add exactly; latencies merge exactly from the intervals' histograms, and
 * without them are bounded (the worst second's percentile), which the summary says.
 */
export function loadFromIntervals(intervals: readonly IntervalSummary[]): { load: LoadSummary; exact: boolean } | null {
  if (intervals.length === 0) return null;
  const names = [...new Set(intervals.flatMap((i) => Object.keys(i.routes)))];
  const spanMs = Math.max(1000, intervals.length * 1000);
  let exact = true;
  const routes: Record<string, RouteSummary> = {};
  for (const name of names) {
    const parts = intervals.map((i) => i.routes[name]).filter((r): r is RouteSummary => Boolean(r));
    const merged = sum(parts, spanMs);
    routes[name] = merged.summary;
    exact &&= merged.exact;
  }
  const overall = sum(intervals.map((i) => i.overall), spanMs, intervals.flatMap((i) => Object.values(i.routes)));
  return { load: { overall: overall.summary, routes }, exact: exact && overall.exact };
}

function sum(parts: readonly RouteSummary[], spanMs: number, routes?: readonly RouteSummary[]): { summary: RouteSummary; exact: boolean } {
  const add = (pick: (r: RouteSummary) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const p of parts) for (const [k, n] of Object.entries(pick(p))) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const requests = parts.reduce((n, p) => n + p.requests, 0);
  const errors = parts.reduce((n, p) => n + p.errors, 0);
  // Overall intervals carry no histogram: the routes' merged ones are the overall's (counts add).
  const withHistograms = routes ?? parts;
  const latency = requests === 0 ? { latencyMs: null, exact: true } : latencyFrom(withHistograms, parts);
  return {
    summary: {
      requests,
      rps: Math.round((requests / spanMs) * 1000 * 100) / 100,
      errors,
      errorRate: requests ? errors / requests : 0,
      timeouts: parts.reduce((n, p) => n + p.timeouts, 0),
      authFailures: parts.reduce((n, p) => n + p.authFailures, 0),
      status: add((p) => p.status),
      transportErrors: add((p) => p.transportErrors),
      latencyMs: latency.latencyMs,
    },
    exact: latency.exact,
  };
}

function latencyFrom(histogramParts: readonly RouteSummary[], summaryParts: readonly RouteSummary[]): { latencyMs: LatencySummary | null; exact: boolean } {
  const measured = histogramParts.filter((p) => p.requests > 0);
  if (measured.length && measured.every((p) => typeof p.histogram === 'string')) {
    const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true });
    for (const p of measured) {
      const h = hdr.decodeFromCompressedBase64(p.histogram!, 32);
      merged.add(h);
      h.destroy();
    }
    const latencyMs = latencyOf(merged);
    merged.destroy();
    return { latencyMs, exact: true };
  }
  const withLatency = summaryParts.filter((p) => p.latencyMs && p.requests > 0);
  if (withLatency.length === 0) return { latencyMs: null, exact: false };
  const n = withLatency.reduce((a, p) => a + p.requests, 0);
  const worst = (k: keyof LatencySummary) => Math.max(...withLatency.map((p) => p.latencyMs![k]));
  return {
    latencyMs: {
      min: Math.min(...withLatency.map((p) => p.latencyMs!.min)),
      mean: withLatency.reduce((a, p) => a + p.latencyMs!.mean * p.requests, 0) / n,
      p50: worst('p50'),
      p90: worst('p90'),
      p95: worst('p95'),
      p99: worst('p99'),
      max: worst('max'),
    },
    exact: false,
  };
}
