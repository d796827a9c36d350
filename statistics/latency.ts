import { LOG_STEP, binAtRank, quantileBin, type Dist } from './dist.ts';
import { normalQuantile, studentTQuantile } from './distributions.ts';

/**
 * Latency effects of the current run against the baseline, on the log scale: an estimate
 * of log(current / baseline) with a two-sided interval at the given confidence. Three
 * metrics: the shift (the Hodges-Lehmann estimator, the median of every pairwise
 * difference of log latencies, as Kayenta uses it), and the change in p95 and in p99.
 *
 * Two sources of uncertainty, and the wider one wins:
 * - iid: the classical distribution-free intervals (Mann-Whitney for the shift, order
 *   statistics for a quantile), right when requests are independent draws;
 * - batch means: the load split into consecutive time batches, the metric computed per
 *   batch, its spread giving the standard error (Student's t on the batch count). Requests
 *   are not independent (a CPU hog slows every request of ten seconds), and batches carry
 *   that. In a live A/B run the batches are paired by time: the difference is taken inside
 *   each batch, so noise that hits both arms alike cancels.
 */
export type LatencyMetric = 'shift' | 'p95' | 'p99';

export interface Effect {
  /** log(current / baseline) for latency; oriented so that larger is worse for every check. */
  estimate: number;
  low: number;
  high: number;
  /** Half the interval's width (the larger of the two methods'). */
  halfWidth: number;
  method: 'iid' | 'batches';
  batches: number;
}

export interface LatencySamples {
  base: Dist;
  cur: Dist;
  /** Consecutive time batches of each run; same length and paired by time when `paired`. */
  baseBatches: readonly Dist[];
  curBatches: readonly Dist[];
  paired: boolean;
}

/** A batch must hold this many requests for its metric to mean something (p99 needs several values above it). */
const MIN_PER_BATCH: Record<LatencyMetric, number> = { shift: 20, p95: 100, p99: 300 };
/** Fewer usable batches than this and the spread is not trusted: iid only. */
export const MIN_BATCHES = 5;

const P: Record<Exclude<LatencyMetric, 'shift'>, number> = { p95: 0.95, p99: 0.99 };

export function latencyEffect(metric: LatencyMetric, s: LatencySamples, confidence: number): Effect | null {
  if (s.base.total === 0 || s.cur.total === 0) return null;
  const z = normalQuantile((1 + confidence) / 2);
  const iid = metric === 'shift' ? shiftIid(s.base, s.cur, z) : quantileIid(s.base, s.cur, P[metric], z);
  const batch = batchSpread(metric, s);
  let halfWidth = Math.max(iid.estimate - iid.low, iid.high - iid.estimate);
  let method: Effect['method'] = 'iid';
  if (batch) {
    const t = studentTQuantile((1 + confidence) / 2, batch.df);
    if (t * batch.se > halfWidth) {
      halfWidth = t * batch.se;
      method = 'batches';
    }
  }
  const low = method === 'iid' ? iid.low : iid.estimate - halfWidth;
  const high = method === 'iid' ? iid.high : iid.estimate + halfWidth;
  return { estimate: iid.estimate, low, high, halfWidth, method, batches: batch?.n ?? 0 };
}

/** The metric's point value for one run (log ms), or, for the shift, between two runs. */
function metricOf(metric: LatencyMetric, base: Dist, cur: Dist): number {
  return metric === 'shift' ? hodgesLehmann(base, cur).estimate : (quantileBin(cur, P[metric]) - quantileBin(base, P[metric])) * LOG_STEP;
}

function oneRun(metric: LatencyMetric, d: Dist): number {
  return quantileBin(d, metric === 'shift' ? 0.5 : P[metric]) * LOG_STEP;
}

function batchSpread(metric: LatencyMetric, s: LatencySamples): { se: number; df: number; n: number } | null {
  const min = MIN_PER_BATCH[metric];
  if (s.paired) {
    const diffs: number[] = [];
    for (let i = 0; i < Math.min(s.baseBatches.length, s.curBatches.length); i += 1) {
      const b = s.baseBatches[i]!;
      const c = s.curBatches[i]!;
      if (b.total >= min && c.total >= min) diffs.push(metricOf(metric, b, c));
    }
    if (diffs.length < MIN_BATCHES) return null;
    return { se: sd(diffs) / Math.sqrt(diffs.length), df: diffs.length - 1, n: diffs.length };
  }
  // Independent runs: each run's own batch spread, added (the shift's via the medians).
  const base = s.baseBatches.filter((d) => d.total >= min).map((d) => oneRun(metric, d));
  const cur = s.curBatches.filter((d) => d.total >= min).map((d) => oneRun(metric, d));
  if (base.length < MIN_BATCHES || cur.length < MIN_BATCHES) return null;
  const se = Math.sqrt(sd(base) ** 2 / base.length + sd(cur) ** 2 / cur.length);
  return { se, df: Math.min(base.length, cur.length) - 1, n: Math.min(base.length, cur.length) };
}

function sd(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

/**
 * Every pairwise difference (current bin − baseline bin), weighted by the two counts, as a
 * dense array from `offset`. Bins are 0.5 % wide, so this is exact to within half a bin.
 */
function differences(base: Dist, cur: Dist): { offset: number; weights: Float64Array; total: number } {
  const offset = cur.bins[0]! - base.bins[base.bins.length - 1]!;
  const size = cur.bins[cur.bins.length - 1]! - base.bins[0]! - offset + 1;
  const weights = new Float64Array(size);
  for (let i = 0; i < base.bins.length; i += 1) {
    const bi = base.bins[i]!;
    const bc = base.counts[i]!;
    for (let j = 0; j < cur.bins.length; j += 1) weights[cur.bins[j]! - bi - offset]! += bc * cur.counts[j]!;
  }
  return { offset, weights, total: base.total * cur.total };
}

/** The difference at 1-based rank k among all n·m pairwise differences, in log units. */
function differenceAtRank(diff: ReturnType<typeof differences>, k: number): number {
  let seen = 0;
  for (let i = 0; i < diff.weights.length; i += 1) {
    seen += diff.weights[i]!;
    if (seen >= k - 1e-6) return (i + diff.offset) * LOG_STEP;
  }
  return (diff.weights.length - 1 + diff.offset) * LOG_STEP;
}

/** The Hodges-Lehmann shift: the median of all pairwise differences of log latency. */
export function hodgesLehmann(base: Dist, cur: Dist): { estimate: number; diff: ReturnType<typeof differences> } {
  const diff = differences(base, cur);
  const n = diff.total;
  // The median of n values: the mean of the two middle ones when n is even.
  const estimate = n % 2 === 1 ? differenceAtRank(diff, (n + 1) / 2) : (differenceAtRank(diff, n / 2) + differenceAtRank(diff, n / 2 + 1)) / 2;
  return { estimate, diff };
}

/**
 * The distribution-free interval for the shift (Bauer 1972; Hollander & Wolfe): the k-th
 * smallest and k-th largest pairwise differences, k from the Mann-Whitney U statistic's
 * normal approximation, k = n·m/2 − z·sqrt(n·m·(n+m+1)/12).
 */
function shiftIid(base: Dist, cur: Dist, z: number): { estimate: number; low: number; high: number } {
  const { estimate, diff } = hodgesLehmann(base, cur);
  const n = base.total;
  const m = cur.total;
  const k = Math.max(1, Math.floor((n * m) / 2 - z * Math.sqrt((n * m * (n + m + 1)) / 12)));
  return { estimate, low: differenceAtRank(diff, k), high: differenceAtRank(diff, n * m - k + 1) };
}

/**
 * A quantile's distribution-free interval from order statistics: the p-quantile of n
 * values lies between ranks n·p ∓ z·sqrt(n·p(1−p)) (the binomial's normal approximation).
 * Each run's interval gives its standard error on the log scale; the difference adds them.
 */
export function quantileRanks(n: number, p: number, z: number): { low: number; high: number } {
  const half = z * Math.sqrt(n * p * (1 - p));
  return { low: Math.max(1, Math.floor(n * p - half)), high: Math.min(n, Math.ceil(n * p + half) + 1) };
}

function quantileIid(base: Dist, cur: Dist, p: number, z: number): { estimate: number; low: number; high: number } {
  const se = (d: Dist) => {
    const r = quantileRanks(d.total, p, z);
    return ((binAtRank(d, r.high) - binAtRank(d, r.low)) * LOG_STEP) / (2 * z);
  };
  const estimate = (quantileBin(cur, p) - quantileBin(base, p)) * LOG_STEP;
  // Half a bin at least: the bins' own resolution.
  const half = Math.max(LOG_STEP / 2, z * Math.sqrt(se(base) ** 2 + se(cur) ** 2));
  return { estimate, low: estimate - half, high: estimate + half };
}
