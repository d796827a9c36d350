import type { RouteSummary } from '../record/load.ts';
import type { CheckResultInput } from '../record/run-record.ts';
import type { Threshold } from './parse.ts';

/** A threshold as configured: the expression, and whether breaching it stops the load early. */
export interface ThresholdSpec {
  key: string;
  threshold: Threshold;
  abortOnFail: boolean;
  /** Abort checks start only after this much load (k6's delayAbortEval), so a cold start cannot abort. */
  delayAbortEvalMs: number;
}

/** The measured value the threshold compares, or null when there is nothing to measure. */
export function measured(threshold: Threshold, summary: RouteSummary): number | null {
  const latency = summary.latencyMs;
  switch (threshold.metric) {
    case 'percentile':
      if (!latency) return null;
      // HDR histograms answer any percentile; the common ones are in the summary already.
      return (latency as unknown as Record<string, number>)[`p${threshold.percentile}`] ?? null;
    case 'avg':
      return latency?.mean ?? null;
    case 'med':
      return latency?.p50 ?? null;
    case 'min':
      return latency?.min ?? null;
    case 'max':
      return latency?.max ?? null;
    case 'error_rate':
      return summary.requests ? summary.errorRate : null;
    case 'rps':
      return summary.rps;
    case 'requests':
      return summary.requests;
    case 'timeouts':
      return summary.timeouts;
    case 'auth_failures':
      return summary.authFailures;
    // Dropped arrivals are counted overall only (an arrival is dropped before a route is sent).
    case 'dropped':
      return summary.dropped ?? 0;
    case 'dropped_rate': {
      const dropped = summary.dropped ?? 0;
      const intended = summary.requests + dropped;
      return intended ? dropped / intended : null;
    }
  }
}

export function holds(threshold: Threshold, value: number): boolean {
  switch (threshold.op) {
    case '<':
      return value < threshold.value;
    case '<=':
      return value <= threshold.value;
    case '>':
      return value > threshold.value;
    case '>=':
      return value >= threshold.value;
  }
}

function show(threshold: Threshold, value: number): string {
  if (threshold.metric === 'error_rate' || threshold.metric === 'dropped_rate') return `${(value * 100).toFixed(2)}%`;
  if (['percentile', 'avg', 'med', 'min', 'max'].includes(threshold.metric)) return `${value.toFixed(1)}ms`;
  return String(value);
}

/**
 * Judges each threshold against its route (or `overall`). A scope with fewer than
 * `minRequests` requests is `not_evaluated`: a p95 of three requests says nothing, and a
 * threshold the run could not judge must not read as met.
 */
export function evaluateThresholds(
  specs: readonly ThresholdSpec[],
  overall: RouteSummary,
  routes: Record<string, RouteSummary>,
  percentile: (key: string, p: number) => number | null,
  minRequests = 1,
): CheckResultInput[] {
  return specs.map(({ key, threshold }) => {
    const summary = key === 'overall' ? overall : routes[key];
    const id = `threshold.${key}.${threshold.source}`;
    const requests = summary?.requests ?? 0;
    let value = summary && requests >= minRequests ? measured(threshold, summary) : null;
    if (value === null && threshold.metric === 'percentile' && summary && requests >= minRequests) value = percentile(key, threshold.percentile!);
    if (!summary || value === null) {
      return {
        id,
        title: `${key}: ${threshold.source}`,
        status: 'not_evaluated',
        summary: `${requests} requests to judge ${key} by, fewer than the ${minRequests} a threshold needs (stress.minRequests); run longer or with more users`,
        evidence: { key, threshold: threshold.source, requests, minRequests },
      };
    }
    const ok = holds(threshold, value);
    return {
      id,
      title: `${key}: ${threshold.source}`,
      status: ok ? 'pass' : 'fail',
      summary: `${key} ${threshold.metric === 'percentile' ? `p(${threshold.percentile})` : threshold.metric} was ${show(threshold, value)} (${ok ? 'within' : 'breaks'} ${threshold.source}) over ${summary.requests} requests`,
      evidence: { key, threshold: threshold.source, value, requests: summary.requests },
    };
  });
}
