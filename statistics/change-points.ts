import { studentTCdf } from './distributions.ts';

/**
 * Change points in a series of nightly results: E-divisive means (Matteson & James 2014)
 * with the changes Hunter made for performance data (Fleming et al. 2023, "Hunter: Using
 * Change Point Detection to Hunt for Performance Regressions"), as Apache Otava runs it:
 *
 * 1. split: slide a window over the series (half-window steps); inside each window, find the
 *    split that maximises the energy divergence Q̂ between the part before and a part after,
 *    keep it when Student's t-test says the two sides differ at a relaxed p-value, and
 *    recurse into the pieces. The union over windows is the "weak" change points.
 * 2. merge: re-test every weak point against its neighbours, and drop the weakest until each
 *    left is significant at the strict p-value (and, optionally, large enough).
 *
 * A change point is the index of the first value after the change. Otava's t-test takes
 * each side's population standard deviation (numpy's default) into a pooled two-sample
 * t-test; it is kept so that its documented examples hold here too.
 */
export interface ChangePoint {
  index: number;
  pValue: number;
  meanBefore: number;
  meanAfter: number;
  /** (after − before) / before. */
  change: number;
}

export interface ChangePointOptions {
  windowLength?: number;
  maxPValue?: number;
  /** Weakest relative change a change point may have (0: any significant one). */
  minMagnitude?: number;
}

interface Segment {
  start: number;
  stop: number;
}

/** Otava's TTestSignificanceTester.compare: pooled two-sided t-test on population standard deviations. */
export function tTest(left: readonly number[], right: readonly number[]): { pValue: number; meanBefore: number; meanAfter: number } {
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs: readonly number[], m: number) => (xs.length >= 2 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length) : 0);
  const m1 = mean(left);
  const m2 = mean(right);
  const n1 = left.length;
  const n2 = right.length;
  const df = n1 + n2 - 2;
  if (df <= 0) return { pValue: 1, meanBefore: m1, meanAfter: m2 };
  const s1 = std(left, m1);
  const s2 = std(right, m2);
  const pooled = ((n1 - 1) * s1 ** 2 + (n2 - 1) * s2 ** 2) / df;
  const se = Math.sqrt(pooled * (1 / n1 + 1 / n2));
  if (se === 0) return { pValue: m1 === m2 ? 1 : 0, meanBefore: m1, meanAfter: m2 };
  const t = (m1 - m2) / se;
  return { pValue: 2 * studentTCdf(-Math.abs(t), df), meanBefore: m1, meanAfter: m2 };
}

/**
 * The best split of series[start, end): max over τ and κ (start < τ < κ ≤ end) of
 * Q̂ = (n·m/(n+m)) · (2/(n·m) Σ|x−y| − Σ_{X pairs}|xi−xj|/C(n,2) − Σ_{Y pairs}|yi−yj|/C(m,2)),
 * X = series[start, τ), Y = series[τ, κ). Returns τ, or null when no split has Q̂ > 0.
 */
export function bestSplit(series: readonly number[], start: number, end: number): { index: number; qhat: number } | null {
  let best: { index: number; qhat: number } | null = null;
  for (let tau = start + 1; tau < end; tau += 1) {
    const n = tau - start;
    let withinX = 0;
    for (let i = start; i < tau; i += 1) for (let j = i + 1; j < tau; j += 1) withinX += Math.abs(series[i]! - series[j]!);
    let between = 0;
    let withinY = 0;
    for (let kappa = tau + 1; kappa <= end; kappa += 1) {
      const y = series[kappa - 1]!;
      const m = kappa - tau;
      for (let i = start; i < tau; i += 1) between += Math.abs(series[i]! - y);
      for (let j = tau; j < kappa - 1; j += 1) withinY += Math.abs(series[j]! - y);
      const a = (2 / (n + m)) * between;
      const b = n > 1 ? ((2 * m) / ((n + m) * (n - 1))) * withinX : 0;
      const c = m > 1 ? ((2 * n) / ((n + m) * (m - 1))) * withinY : 0;
      const q = a - b - c;
      if (q > (best?.qhat ?? 0)) best = { index: tau, qhat: q };
    }
  }
  return best;
}

function segmentsOf(points: readonly number[], start: number, stop: number): Segment[] {
  const edges = [start, ...points, stop];
  const out: Segment[] = [];
  for (let i = 0; i + 1 < edges.length; i += 1) if (edges[i] !== edges[i + 1]) out.push({ start: edges[i]!, stop: edges[i + 1]! });
  return out;
}

/** The change point's two sides: the segments either side of it, or the one it splits. */
function sides(series: readonly number[], index: number, segments: readonly Segment[]): [number[], number[]] {
  for (let i = 0; i < segments.length; i += 1) {
    const s = segments[i]!;
    if (s.stop === index && segments[i + 1]) return [series.slice(s.start, s.stop), series.slice(segments[i + 1]!.start, segments[i + 1]!.stop)];
    if (s.start < index && index < s.stop) return [series.slice(s.start, index), series.slice(index, s.stop)];
  }
  throw new Error(`internal: change point ${index} is in no segment`);
}

function stats(series: readonly number[], index: number, segments: readonly Segment[]): ChangePoint {
  const [left, right] = sides(series, index, segments);
  const t = tTest(left, right);
  return { index, pValue: t.pValue, meanBefore: t.meanBefore, meanAfter: t.meanAfter, change: t.meanBefore !== 0 ? t.meanAfter / t.meanBefore - 1 : 0 };
}

/** Otava's ChangePointDetector: recursive best splits of series[start, end), each kept while significant. */
export function divisive(series: readonly number[], maxPValue: number, start = 0, end = series.length): ChangePoint[] {
  const window = series.slice(start, end);
  const found: ChangePoint[] = [];
  for (;;) {
    const segments = segmentsOf(found.map((c) => c.index), 0, window.length);
    const candidates = segments.filter((s) => s.stop - s.start > 1).map((s) => bestSplit(window, s.start, s.stop)).filter((c): c is { index: number; qhat: number } => c !== null);
    if (candidates.length === 0) break;
    const candidate = candidates.reduce((a, b) => (b.qhat > a.qhat ? b : a));
    const point = stats(window, candidate.index, segments);
    if (point.pValue > maxPValue) break;
    found.push(point);
    found.sort((a, b) => a.index - b.index);
  }
  return found.map((c) => ({ ...c, index: c.index + start }));
}

/** Otava's compute_change_points: the split step at a relaxed p-value, then the merge step. */
export function changePoints(series: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  const windowLength = options.windowLength ?? 50;
  const maxPValue = options.maxPValue ?? 0.001;
  const minMagnitude = options.minMagnitude ?? 0;
  const firstPass = maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue;
  // Split.
  const step = Math.max(1, Math.floor(windowLength / 2));
  const weak = new Map<number, ChangePoint>();
  for (let start = 0; start < series.length; ) {
    const end = Math.min(start + windowLength, series.length);
    const found = divisive(series, firstPass, start, end);
    for (const c of found) if (!weak.has(c.index)) weak.set(c.index, c);
    start = Math.max(found.at(-1)?.index ?? 0, start + step);
  }
  let points = [...weak.keys()].sort((a, b) => a - b);
  const restat = (list: number[]) => {
    const segments = segmentsOf(list, 0, series.length);
    return list.map((i) => stats(series, i, segments));
  };
  let current = restat(points);
  // Merge: drop the weakest point and re-test, until every point left is strong enough.
  const magnitude = (c: ChangePoint) => Math.max(Math.abs(c.change), Math.abs(c.meanAfter !== 0 ? c.meanBefore / c.meanAfter - 1 : 0));
  while (current.length) {
    let weakest = current.reduce((a, b) => (b.pValue > a.pValue ? b : a));
    if (weakest.pValue < maxPValue) {
      weakest = current.reduce((a, b) => (magnitude(b) < magnitude(a) ? b : a));
      if (magnitude(weakest) > minMagnitude) return current;
    }
    points = points.filter((i) => i !== weakest.index);
    // Every point's sides may have grown; re-testing all is cheap at nightly lengths.
    current = restat(points);
  }
  return current;
}
