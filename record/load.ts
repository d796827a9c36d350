import { z } from 'zod';

/**
 * What a load run measured, as the record and intervals.ndjson carry it. The engine (and
 * k6 ingest) produce these; the gate, thresholds and renderers read them.
 */

/** Milliseconds. From the intended send time to the end of the answer, for request latency. */
export const LatencySummary = z.object({
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});

export const RouteSummary = z.looseObject({
  requests: z.number().int().nonnegative(),
  /** Requests per second over the measured span. */
  rps: z.number().nonnegative(),
  /** Answers outside the route's expected statuses, plus transport errors. */
  errors: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1),
  timeouts: z.number().int().nonnegative(),
  /** 401 and 403 answers (and sign-in redirects on session routes): sessions refused. */
  authFailures: z.number().int().nonnegative(),
  status: z.record(z.string(), z.number()),
  transportErrors: z.record(z.string(), z.number()),
  latencyMs: LatencySummary.nullable(),
  /**
   * The latencies themselves: an HDR histogram in microseconds, compressed and base64
   * (HdrHistogram's log encoding; hdr-histogram-js decodeFromCompressedBase64 reads it).
   * A gate or a re-analysis reads distributions from here, never from the process that ran.
   */
  histogram: z.string().optional(),
  /**
   * Open model, overall only: arrivals that were due but not sent because the in-flight cap
   * (stress.maxInFlight) was reached. Intended requests = requests + dropped.
   */
  dropped: z.number().int().nonnegative().optional(),
});

/** The whole run: overall and per route, and how late the generator sent. */
export const LoadSummary = z.looseObject({
  overall: RouteSummary,
  routes: z.record(z.string(), RouteSummary),
  /** How late requests left against their intended time (generator health); null on k6. */
  scheduleLagMs: LatencySummary.nullable().optional(),
  /** Arrivals the open model could not send (too many in flight). */
  dropped: z.number().int().nonnegative().optional(),
});

/** One second of the load: the unit of intervals.ndjson. */
export const IntervalSummary = z.looseObject({
  /** Start of the second, ISO. */
  t: z.string(),
  elapsedS: z.number().int(),
  users: z.number(),
  /** Open model: the arrival rate asked for in that second (requests per second). */
  rate: z.number().nonnegative().optional(),
  overall: RouteSummary,
  routes: z.record(z.string(), RouteSummary),
  /** The generator's machine in that second: share of all its cores busy (any process), 0 to 1. */
  machine: z.object({ cpuBusy: z.number() }).optional(),
});

/** The load generator watching itself: a saturated generator makes the run invalid. */
export const GeneratorHealth = z.looseObject({
  scheduleLagMs: LatencySummary.nullable(),
  /** Highest 5-second average event-loop utilisation seen in any load worker. */
  peakWorkerUtilization: z.number(),
  /** Main thread (watcher) event-loop delay, ms. */
  mainLoopDelayMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  droppedArrivals: z.number().int().nonnegative(),
  invalidReasons: z.array(z.string()),
});

/**
 * What the generator's machine looked like during the load, so a later gate can tell a
 * slower build from a busier machine: CPU busy share (every process, not only drill), load
 * average, how late requests left, and the latency of a reference route the release does
 * not change.
 */
export const MachineSummary = z.looseObject({
  cpus: z.number().int(),
  /** Share of all cores busy, per second of load: mean, p95, max (0 to 1). */
  cpuBusy: z.object({ mean: z.number(), p95: z.number(), max: z.number() }).nullable(),
  /** os.loadavg() 1-minute figure at the start and end of the load. */
  loadAverage: z.object({ start: z.number(), end: z.number() }),
  scheduleLagMs: z.object({ p50: z.number(), p99: z.number() }).nullable(),
  referenceRoute: z.object({ name: z.string(), latencyMs: LatencySummary.nullable() }).nullable(),
});

export type MachineSummary = z.output<typeof MachineSummary>;
export type LatencySummary = z.output<typeof LatencySummary>;
export type RouteSummary = z.output<typeof RouteSummary>;
export type LoadSummary = z.output<typeof LoadSummary>;
export type IntervalSummary = z.output<typeof IntervalSummary>;
export type GeneratorHealth = z.output<typeof GeneratorHealth>;

/** The summary of an HDR histogram of microseconds, in milliseconds: the one place it is read. */
export function latencyOf(h: { minNonZeroValue: number; mean: number; maxValue: number; getValueAtPercentile(p: number): number }): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}
