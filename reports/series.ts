import type { HealthSample } from '../record/health.ts';
import { readStream } from '../record/streams.ts';

/** Time series for charts, read back from a run's NDJSON streams and downsampled. */
export interface Series {
  load: {
    t: number[];
    users: number[];
    rps: number[];
    errors: number[];
    p50: (number | null)[];
    p95: (number | null)[];
    p99: (number | null)[];
    routes: Record<string, (number | null)[]>;
  } | null;
  queue: {
    t: number[];
    pending: (number | null)[];
    retrying: (number | null)[];
    processing: (number | null)[];
    deadLetter: (number | null)[];
    oldestAge: (number | null)[];
    healthy: (number | null)[];
  } | null;
}

/** Charts get at most this many points; the full data stays in the NDJSON files. */
export const MAX_POINTS = 720;

/**
 * Buckets rows into at most MAX_POINTS groups of consecutive rows; each point takes the
 * worst (max) value of its bucket for latency, backlog and age so a spike is never averaged
 * away, and the mean for rates.
 */
function bucketize<T>(rows: readonly T[]): T[][] {
  const size = Math.max(1, Math.ceil(rows.length / MAX_POINTS));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

const max = (xs: (number | null | undefined)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function loadSeries(dir: string): Series {
  const intervals = readStream(dir, 'intervals').lines;
  const samples = readStream(dir, 'samples').lines;
  let load: Series['load'] = null;
  if (intervals.length) {
    const buckets = bucketize(intervals);
    const routeNames = [...new Set(intervals.flatMap((i) => Object.keys(i.routes)))];
    load = {
      t: buckets.map((b) => Date.parse(b[0]!.t) / 1000),
      users: buckets.map((b) => max(b.map((i) => i.users)) ?? 0),
      rps: buckets.map((b) => mean(b.map((i) => i.overall.requests))),
      errors: buckets.map((b) => mean(b.map((i) => i.overall.errors))),
      p50: buckets.map((b) => max(b.map((i) => i.overall.latencyMs?.p50))),
      p95: buckets.map((b) => max(b.map((i) => i.overall.latencyMs?.p95))),
      p99: buckets.map((b) => max(b.map((i) => i.overall.latencyMs?.p99))),
      routes: Object.fromEntries(routeNames.map((name) => [name, buckets.map((b) => max(b.map((i) => i.routes[name]?.latencyMs?.p95)))])),
    };
  }
  let queue: Series['queue'] = null;
  if (samples.length) {
    const sorted = [...samples].sort((a, b) => a.tMs - b.tMs);
    const buckets = bucketize(sorted);
    const q = (b: HealthSample[], f: (s: NonNullable<HealthSample['queue']>) => number | null) => max(b.map((s) => (s.queue ? f(s.queue) : null)));
    queue = {
      t: buckets.map((b) => b[0]!.tMs / 1000),
      pending: buckets.map((b) => q(b, (s) => s.pending)),
      retrying: buckets.map((b) => q(b, (s) => s.retrying)),
      processing: buckets.map((b) => q(b, (s) => s.processing)),
      deadLetter: buckets.map((b) => q(b, (s) => s.dead_letter)),
      oldestAge: buckets.map((b) => q(b, (s) => s.oldest_ready_age_seconds ?? 0)),
      // 1 healthy, 0 unhealthy (degraded or failed sample): the worst sample of the bucket wins.
      healthy: buckets.map((b) => (b.some((s) => s.error !== null || s.degraded === true) ? 0 : 1)),
    };
  }
  return { load, queue };
}
