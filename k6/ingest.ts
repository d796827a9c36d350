import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.ts';
import type { LatencySummary, RouteSummary } from '../record/load.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { routeTag } from './script.ts';

/** One k6 metric, normalised from either summary format. */
interface Metric {
  values: Record<string, number>;
  /** k6's own threshold verdicts, true = passed (the --summary-export booleans are inverted on read). */
  thresholds: Record<string, boolean>;
}

export interface K6Summary {
  file: string;
  format: 'summary-export' | 'handleSummary';
  metrics: Record<string, Metric>;
  durationMs: number | null;
}

/**
 * Reads `k6 run --summary-export` JSON or the `data` handed to handleSummary. Unknown
 * fields are ignored (newer k6 adds some); a missing field we need is a clear error.
 */
export function readK6Summary(file: string): K6Summary {
  let json: { metrics?: Record<string, Record<string, unknown>>; state?: { testRunDurationMs?: number } };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--k6-summary ${path.basename(file)}: not readable JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!json || typeof json.metrics !== 'object' || json.metrics === null) {
    throw new UsageError(`--k6-summary ${path.basename(file)}: no "metrics" object; pass --summary-export output or handleSummary data`);
  }
  const handle = Object.values(json.metrics).some((m) => m && typeof m === 'object' && 'values' in m && 'type' in m);
  const metrics: Record<string, Metric> = {};
  for (const [name, raw] of Object.entries(json.metrics)) {
    if (!raw || typeof raw !== 'object') continue;
    const values = (handle ? raw.values : raw) as Record<string, unknown>;
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(values ?? {})) if (typeof v === 'number') numeric[k] = v;
    const thresholds: Record<string, boolean> = {};
    for (const [expr, v] of Object.entries((raw.thresholds ?? {}) as Record<string, unknown>)) {
      // --summary-export: true means the threshold FAILED. handleSummary: { ok: true } means it passed.
      thresholds[expr] = handle ? Boolean((v as { ok?: boolean }).ok) : v === false;
    }
    metrics[name] = { values: numeric, thresholds };
  }
  if (!metrics.http_reqs || metrics.http_reqs.values.count === undefined) {
    throw new UsageError(`--k6-summary ${path.basename(file)}: metric http_reqs (count) is missing; was the run's HTTP traffic tagged out?`);
  }
  return { file, format: handle ? 'handleSummary' : 'summary-export', metrics, durationMs: json.state?.testRunDurationMs ?? null };
}

const trendOf = (m: Metric | undefined) => m?.values;

/**
 * Merges several runner pods' summaries (k6-operator gives one per pod) into drill's load
 * results. Counts and rates add up. Means are weighted by request counts. Percentiles
 * cannot be merged from summaries: the merged p95 is the highest pod's p95, an upper bound,
 * said so in the notes. A missing p(99) is shown as the max, also an upper bound.
 */
export function mergeK6Summaries(summaries: readonly K6Summary[], scenario: Scenario) {
  const notes: string[] = [];
  const tagToName = new Map(scenario.routes.map((r) => [routeTag(r.name), r.name]));
  const total = (name: string, key: string) => summaries.reduce((n, s) => n + (s.metrics[name]?.values[key] ?? 0), 0);
  if (summaries.length > 1) notes.push(`merged ${summaries.length} runner summaries: percentiles are the highest pod's (an upper bound)`);

  const latency = (metric: string, counts: number[]): LatencySummary | null => {
    const trends = summaries.map((s) => trendOf(s.metrics[metric])).filter((t): t is Record<string, number> => Boolean(t));
    if (trends.length === 0) return null;
    const weight = (i: number) => counts[i] ?? trends[i]!.count ?? 1;
    const wsum = trends.reduce((n, _t, i) => n + weight(i), 0) || 1;
    const maxOf = (key: string) => Math.max(...trends.map((t) => t[key] ?? Number.NEGATIVE_INFINITY));
    const p99 = trends.every((t) => t['p(99)'] !== undefined) ? maxOf('p(99)') : maxOf('max');
    if (trends.some((t) => t['p(99)'] === undefined) && !notes.some((n) => n.startsWith('p(99)'))) {
      notes.push('p(99) is not in the summary (add p(99) to summaryTrendStats): shown as the max, an upper bound');
    }
    return {
      min: Math.min(...trends.map((t) => t.min ?? Number.POSITIVE_INFINITY)),
      mean: trends.reduce((n, t, i) => n + (t.avg ?? 0) * weight(i), 0) / wsum,
      p50: maxOf('med'),
      p90: maxOf('p(90)'),
      p95: maxOf('p(95)'),
      p99,
      max: maxOf('max'),
    };
  };

  const requests = total('http_reqs', 'count');
  const failed = total('http_req_failed', 'passes');
  const durations = summaries.map((s) => s.durationMs ?? (s.metrics.http_reqs!.values.rate ? (s.metrics.http_reqs!.values.count! / s.metrics.http_reqs!.values.rate!) * 1000 : 0));
  const spanMs = Math.max(...durations, 1);
  const summary = (req: number, errors: number, lat: LatencySummary | null): RouteSummary => ({
    requests: req,
    rps: Math.round((req / spanMs) * 1000 * 100) / 100,
    errors,
    errorRate: req ? errors / req : 0,
    timeouts: 0,
    authFailures: 0,
    status: {},
    transportErrors: {},
    latencyMs: lat,
  });
  const overall = summary(requests, failed, latency('http_req_duration', summaries.map((s) => s.metrics.http_reqs!.values.count!)));

  const routes: Record<string, RouteSummary> = {};
  const tags = new Set(
    summaries.flatMap((s) => Object.keys(s.metrics)).map((m) => /^http_req_duration\{route:([^}]+)\}$/.exec(m)?.[1]).filter((t): t is string => Boolean(t)),
  );
  for (const tag of tags) {
    const name = tagToName.get(tag) ?? tag;
    const metric = `http_req_duration{route:${tag}}`;
    const counts = summaries.map((s) => s.metrics[metric]?.values.count ?? 0);
    const req = counts.reduce((a, b) => a + b, 0);
    const routeFailed = total(`http_req_failed{route:${tag}}`, 'passes');
    routes[name] = summary(req, routeFailed, latency(metric, counts));
  }
  if ([...tags].some((t) => summaries.some((s) => s.metrics[`http_req_duration{route:${t}}`]?.values.count === undefined))) {
    notes.push('per-route request counts are not in the summary (add count to summaryTrendStats): route throughput and error rates are not judged');
  }
  const k6Thresholds = summaries.flatMap((s) =>
    Object.entries(s.metrics).flatMap(([metric, m]) => Object.entries(m.thresholds).map(([expr, ok]) => ({ file: path.basename(s.file), metric, expr, ok }))),
  );
  // ramping-arrival-rate: arrivals k6 had no VU for, as drill counts its dropped arrivals.
  const dropped = Math.round(total('dropped_iterations', 'count'));
  if (dropped) overall.dropped = dropped;
  return { load: { overall, routes, scheduleLagMs: null, dropped }, notes, k6Thresholds, spanMs };
}
