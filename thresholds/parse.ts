/**
 * SLO thresholds in k6's spirit: `p(95)<800`, `p99<=1.5s`, `avg<200ms`, `max<3s`,
 * `error_rate<1%`, `rps>50`; for an open model, `dropped<10` and `dropped_rate<1%` (arrivals
 * the in-flight cap kept from being sent, of all intended). Latency values are milliseconds unless a unit says otherwise.
 */
export type Metric = 'percentile' | 'avg' | 'med' | 'min' | 'max' | 'error_rate' | 'rps' | 'requests' | 'timeouts' | 'auth_failures' | 'dropped' | 'dropped_rate';
export type Op = '<' | '<=' | '>' | '>=';

export interface Threshold {
  source: string;
  metric: Metric;
  /** For `percentile`: 0 < p <= 100. */
  percentile?: number;
  op: Op;
  /** Milliseconds for latency metrics, a fraction for error_rate, a count or per-second rate otherwise. */
  value: number;
}

export class ThresholdError extends Error {}

const LATENCY: readonly Metric[] = ['percentile', 'avg', 'med', 'min', 'max'];
const SHAPE = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|p(\d+(?:\.\d+)?)|avg|mean|med|min|max|error_rate|rps|requests|timeouts|auth_failures|dropped_rate|dropped)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(ms|s|%)?\s*$/;

export function parseThreshold(source: string): Threshold {
  const match = SHAPE.exec(source);
  if (!match) {
    throw new ThresholdError(
      `"${source}" is not a threshold; write e.g. p(95)<800, p99<1.5s, avg<200ms, max<3s, error_rate<1%, rps>50`,
    );
  }
  const [, name, pParen, pBare, op, rawValue, unit] = match;
  const percentileText = pParen ?? pBare;
  let metric: Metric;
  let percentile: number | undefined;
  if (percentileText !== undefined) {
    metric = 'percentile';
    percentile = Number(percentileText);
    if (!(percentile > 0 && percentile <= 100)) throw new ThresholdError(`"${source}": the percentile must be above 0 and at most 100`);
  } else {
    metric = (name === 'mean' ? 'avg' : name) as Metric;
  }
  let value = Number(rawValue);
  if (LATENCY.includes(metric)) {
    if (unit === '%') throw new ThresholdError(`"${source}": a latency takes ms or s, not %`);
    if (unit === 's') value *= 1000;
  } else if (metric === 'error_rate' || metric === 'dropped_rate') {
    if (unit === 'ms' || unit === 's') throw new ThresholdError(`"${source}": ${metric} takes a percentage (1%) or a fraction (0.01)`);
    if (unit === '%') value /= 100;
    if (value < 0 || value > 1) throw new ThresholdError(`"${source}": ${metric} must be between 0% and 100%`);
  } else if (unit) {
    throw new ThresholdError(`"${source}": ${metric} takes a plain number, not ${unit}`);
  }
  if (value < 0) throw new ThresholdError(`"${source}": the value must not be negative`);
  return { source: source.trim(), metric, percentile, op: op as Op, value };
}
