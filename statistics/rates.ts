import { normalQuantile, studentTQuantile } from './distributions.ts';
import { MIN_BATCHES, type Effect } from './latency.ts';

/**
 * Throughput: the log ratio of request rates, current over baseline, with its interval.
 * Counts of arrivals are Poisson to a first approximation, so log(rate ratio) has standard
 * error sqrt(1/n1 + 1/n2); per-batch counts (paired by time in a live run) widen it when
 * the rate wandered more than Poisson allows. Oriented as a regression: the effect is
 * −log(ratio), so a drop is positive, like a latency increase.
 */
export function throughputEffect(
  base: { requests: number; spanMs: number; batches?: readonly number[] },
  cur: { requests: number; spanMs: number; batches?: readonly number[] },
  paired: boolean,
  confidence: number,
): Effect | null {
  if (base.requests === 0 || cur.requests === 0 || base.spanMs <= 0 || cur.spanMs <= 0) return null;
  const z = normalQuantile((1 + confidence) / 2);
  const estimate = -Math.log(cur.requests / cur.spanMs / (base.requests / base.spanMs));
  let halfWidth = z * Math.sqrt(1 / base.requests + 1 / cur.requests);
  let method: Effect['method'] = 'iid';
  let batches = 0;
  if (paired && base.batches && cur.batches) {
    const diffs: number[] = [];
    for (let i = 0; i < Math.min(base.batches.length, cur.batches.length); i += 1) {
      const b = base.batches[i]!;
      const c = cur.batches[i]!;
      if (b > 0 && c > 0) diffs.push(-Math.log(c / b));
    }
    if (diffs.length >= MIN_BATCHES) {
      const mean = diffs.reduce((a, x) => a + x, 0) / diffs.length;
      const se = Math.sqrt(diffs.reduce((a, x) => a + (x - mean) ** 2, 0) / (diffs.length - 1) / diffs.length);
      const t = studentTQuantile((1 + confidence) / 2, diffs.length - 1) * se;
      batches = diffs.length;
      if (t > halfWidth) {
        halfWidth = t;
        method = 'batches';
      }
    }
  }
  return { estimate, low: estimate - halfWidth, high: estimate + halfWidth, halfWidth, method, batches };
}
