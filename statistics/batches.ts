import { EMPTY, mergeDists, type Dist } from './dist.ts';

/** How many time batches a run of `seconds` is split into: 5 s each at least, 20 at most. */
export function batchCount(seconds: number): number {
  return Math.max(1, Math.min(20, Math.floor(seconds / 5)));
}

/** Consecutive seconds grouped into `count` batches of (nearly) equal length; seconds may be empty. */
export function batchesOf(perSecond: readonly (Dist | undefined)[], count: number): Dist[] {
  const out: Dist[] = [];
  const size = perSecond.length / count;
  for (let b = 0; b < count; b += 1) {
    const slice = perSecond.slice(Math.round(b * size), Math.round((b + 1) * size)).filter((d): d is Dist => !!d && d.total > 0);
    out.push(slice.length ? mergeDists(slice) : EMPTY);
  }
  return out;
}

/** The same grouping for per-second counts. */
export function countBatches(perSecond: readonly number[], count: number): number[] {
  const out: number[] = [];
  const size = perSecond.length / count;
  for (let b = 0; b < count; b += 1) out.push(perSecond.slice(Math.round(b * size), Math.round((b + 1) * size)).reduce((a, x) => a + x, 0));
  return out;
}
