/**
 * The vocabulary of `drill trend`: nightly records as series per route and metric, and the
 * change points found in them. runs/trend.ts builds it; reports/trend.ts renders it.
 */
export const TREND_METRICS = ['p50', 'p95', 'p99', 'error_rate', 'throughput'] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];

export interface TrendRun {
  dir: string;
  startedAt: string;
  commit: string | null;
  verdict: string;
}

export interface TrendChange {
  /** Index into `runs` of the first run after the change. */
  index: number;
  run: TrendRun;
  before: number;
  after: number;
  /** (after − before) / before. */
  change: number;
  pValue: number;
  /** Slower, more errors or less throughput. */
  regression: boolean;
}

export interface TrendSeries {
  scope: string;
  metric: TrendMetric;
  values: (number | null)[];
  changes: TrendChange[];
}

export interface TrendReport {
  runs: TrendRun[];
  series: TrendSeries[];
  options: { windowLength: number; maxPValue: number; recent: number };
  /** Regressions that began within the newest `recent` runs. */
  recentRegressions: (TrendChange & { scope: string; metric: TrendMetric })[];
}
