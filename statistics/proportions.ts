import { normalQuantile } from './distributions.ts';
import type { Effect } from './latency.ts';

/**
 * The error-rate change: current minus baseline share of failed requests, with Newcombe's
 * hybrid score interval (Newcombe 1998, method 10), built from each rate's Wilson score
 * interval. Unlike the textbook Wald interval it stays honest at 0 errors, where most runs
 * are: 0 errors in 300 requests still allows a true rate up to about 1.3 %.
 */
export function wilson(x: number, n: number, z: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const denom = n + z * z;
  const center = (x + (z * z) / 2) / denom;
  const half = (z * Math.sqrt((x * (n - x)) / n + (z * z) / 4)) / denom;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/** p2 − p1 (x2 of n2 against x1 of n1) with Newcombe's hybrid score interval. */
export function proportionDifference(x1: number, n1: number, x2: number, n2: number, confidence: number): Effect {
  const z = normalQuantile((1 + confidence) / 2);
  const p1 = n1 ? x1 / n1 : 0;
  const p2 = n2 ? x2 / n2 : 0;
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const estimate = p2 - p1;
  const low = estimate - Math.sqrt((p2 - b.low) ** 2 + (a.high - p1) ** 2);
  const high = estimate + Math.sqrt((b.high - p2) ** 2 + (p1 - a.low) ** 2);
  return { estimate, low, high, halfWidth: Math.max(estimate - low, high - estimate), method: 'iid', batches: 0 };
}
