import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../record/load.ts';

/**
 * A latency distribution on a log scale: counts in bins 0.5 % wide (bin i holds values
 * around 1.005^i microseconds). Quantiles read from it are within 0.25 % of the recorded
 * HDR histogram's, far finer than any tolerance a gate uses, and distributions of
 * different runs share the same bins, so shifts are differences of bin indices.
 */
export const BIN_RATIO = 1.005;
export const LOG_STEP = Math.log(BIN_RATIO);

export interface Dist {
  /** Sparse: bin index -> count, sorted by index. */
  bins: Int32Array;
  counts: Float64Array;
  total: number;
}

export const EMPTY: Dist = { bins: new Int32Array(0), counts: new Float64Array(0), total: 0 };

export function binOf(valueUs: number): number {
  return Math.max(0, Math.round(Math.log(Math.max(1, valueUs)) / LOG_STEP));
}

export function valueOfBin(bin: number): number {
  return Math.exp(bin * LOG_STEP);
}

/** A Dist from (value µs, count) pairs in any order. */
export function distOf(pairs: Iterable<readonly [number, number]>): Dist {
  const byBin = new Map<number, number>();
  for (const [value, count] of pairs) {
    if (count <= 0) continue;
    const bin = binOf(value);
    byBin.set(bin, (byBin.get(bin) ?? 0) + count);
  }
  const keys = [...byBin.keys()].sort((a, b) => a - b);
  const counts = new Float64Array(keys.map((k) => byBin.get(k)!));
  return { bins: Int32Array.from(keys), counts, total: counts.reduce((a, b) => a + b, 0) };
}

interface IterableHistogram {
  recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
}

/** A Dist from an HDR histogram as the record carries it (compressed, base64, microseconds). */
export function decodeHistogram(base64: string): Dist {
  const histogram = hdr.decodeFromCompressedBase64(base64, 32);
  const it = (histogram as unknown as IterableHistogram).recordedValuesIterator;
  it.reset();
  const pairs: [number, number][] = [];
  while (it.hasNext()) {
    const v = it.next();
    pairs.push([v.valueIteratedTo, v.countAtValueIteratedTo]);
  }
  histogram.destroy();
  return distOf(pairs);
}

/** The record's encoding of an HDR histogram: compressed and base64, as HdrHistogram's own log format. */
export function encodeHistogram(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Counts add, so merging distributions is exact. */
export function mergeDists(dists: readonly Dist[]): Dist {
  const byBin = new Map<number, number>();
  for (const d of dists) for (let i = 0; i < d.bins.length; i += 1) byBin.set(d.bins[i]!, (byBin.get(d.bins[i]!) ?? 0) + d.counts[i]!);
  const keys = [...byBin.keys()].sort((a, b) => a - b);
  const counts = new Float64Array(keys.map((k) => byBin.get(k)!));
  return { bins: Int32Array.from(keys), counts, total: counts.reduce((a, b) => a + b, 0) };
}

/** The bin at 1-based rank `rank` (clamped to 1..total). */
export function binAtRank(d: Dist, rank: number): number {
  const r = Math.min(Math.max(1, rank), d.total);
  let seen = 0;
  for (let i = 0; i < d.bins.length; i += 1) {
    seen += d.counts[i]!;
    if (seen >= r - 1e-9) return d.bins[i]!;
  }
  return d.bins[d.bins.length - 1]!;
}

/** The p-quantile (0..1) as a bin index: the smallest bin whose cumulative count reaches p·n, as HDR does. */
export function quantileBin(d: Dist, p: number): number {
  return binAtRank(d, Math.ceil(p * d.total));
}

/** The p-quantile in milliseconds. */
export function quantileMs(d: Dist, p: number): number {
  return valueOfBin(quantileBin(d, p)) / 1000;
}

/**
 * A stand-in distribution for a record that carries only percentiles (an older drill, k6):
 * the summary's knots (min, p50, p90, p95, p99, max) joined log-linearly, with its request
 * count. Good enough for a rough interval; a record with histograms is always preferred.
 */
export function distFromSummary(s: LatencySummary, count: number): Dist {
  const knots: [number, number][] = [
    [0, s.min], [0.5, s.p50], [0.9, s.p90], [0.95, s.p95], [0.99, s.p99], [1, s.max],
  ];
  const pairs: [number, number][] = [];
  const n = Math.max(1, Math.round(count));
  for (let k = 1; k <= n; k += 1) {
    const p = (k - 0.5) / n;
    const j = knots.findIndex(([q]) => q >= p);
    const [q1, v1] = knots[Math.max(0, j - 1)]!;
    const [q2, v2] = knots[j]!;
    const f = q2 > q1 ? (p - q1) / (q2 - q1) : 0;
    const lo = Math.log(Math.max(1e-3, v1));
    const hi = Math.log(Math.max(1e-3, v2));
    pairs.push([Math.exp(lo + f * (hi - lo)) * 1000, 1]);
  }
  return distOf(pairs);
}

/** Points of the empirical CDF for a chart: `points` quantiles, in ms. */
export function cdfPoints(d: Dist, points = 50): { p: number; ms: number }[] {
  if (d.total === 0) return [];
  const out: { p: number; ms: number }[] = [];
  for (let i = 0; i <= points; i += 1) {
    const p = i / points;
    out.push({ p, ms: round3(valueOfBin(binAtRank(d, Math.max(1, Math.ceil(p * d.total)))) / 1000) });
  }
  return out;
}

/** The five numbers of a box plot (p1 and p99 whiskers, quartiles, median), in ms. */
export function boxOf(d: Dist): { p1: number; p25: number; p50: number; p75: number; p99: number } | null {
  if (d.total === 0) return null;
  const q = (p: number) => round3(quantileMs(d, p));
  return { p1: q(0.01), p25: q(0.25), p50: q(0.5), p75: q(0.75), p99: q(0.99) };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
