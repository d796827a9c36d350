import * as hdr from 'hdr-histogram-js';
import { latencyOf, type IntervalSummary, type LatencySummary, type LoadSummary, type RouteSummary } from '../record/load.ts';
import { ERROR_CODES, type Batch } from './protocol.ts';

/**
 * Latency statistics in HDR histograms at microsecond resolution with 3 significant
 * digits: a p99 of 812.4 ms is reported within 0.1 %, whatever the range, and merging
 * intervals or workers is exact (counts add), unlike averaging percentiles.
 */
function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    // 32-bit counts, not 'packed': packed costs three times the CPU per recorded value,
    // and the per-second histograms live only until their second closes.
    bitBucketSize: 32,
    autoResize: true,
  });
}

/**
 * Counts for one route (or all of them) over one span. An `overall` tally keeps no
 * histogram of its own: its latencies are its routes' histograms merged when asked
 * (exact, since counts add), which saves two histogram updates per request.
 */
class Tally {
  readonly hist: hdr.Histogram | null;
  requests = 0;
  errors = 0;
  timeouts = 0;
  authFailures = 0;
  readonly status: Record<string, number> = {};
  readonly transport: Record<string, number> = {};
  constructor(withHistogram: boolean) {
    this.hist = withHistogram ? histogram() : null;
  }

  add(status: number, error: number, latencyUs: number, failed: boolean, authFailed: boolean): void {
    this.requests += 1;
    this.hist?.recordValue(Math.max(1, Math.round(latencyUs)));
    if (failed) this.errors += 1;
    if (authFailed) this.authFailures += 1;
    if (error !== 0) {
      const kind = ERROR_CODES[error]!;
      this.transport[kind] = (this.transport[kind] ?? 0) + 1;
      if (kind === 'timeout') this.timeouts += 1;
    } else {
      this.status[status] = (this.status[status] ?? 0) + 1;
    }
  }

  /** `merged`: the latencies of an overall tally, from mergedHistogram(); `encode`: keep the histogram itself. */
  summary(spanMs: number, merged: hdr.Histogram | null = null, encode = false): RouteSummary {
    const h = (merged ?? this.hist)!;
    return {
      ...(encode && this.requests ? { histogram: hdr.encodeIntoCompressedBase64(h) } : {}),
      requests: this.requests,
      rps: spanMs > 0 ? Math.round((this.requests / spanMs) * 1000 * 100) / 100 : 0,
      errors: this.errors,
      errorRate: this.requests ? this.errors / this.requests : 0,
      timeouts: this.timeouts,
      authFailures: this.authFailures,
      status: { ...this.status },
      transportErrors: { ...this.transport },
      latencyMs: this.requests ? latencyOf(h) : null,
    };
  }

  destroy(): void {
    this.hist?.destroy();
  }
}

/** One histogram holding every given tally's latencies; the caller destroys it. */
function mergedHistogram(tallies: Iterable<Tally>): hdr.Histogram {
  const merged = histogram();
  for (const tally of tallies) if (tally.hist) merged.add(tally.hist);
  return merged;
}

/** A summary of an overall tally, its latencies merged from its routes' histograms. */
function overallSummary(overall: Tally, routes: Iterable<Tally>, spanMs: number, encode = false): RouteSummary {
  const merged = mergedHistogram(routes);
  const summary = overall.summary(spanMs, merged, encode);
  merged.destroy();
  return summary;
}

/** What the statistics need to know of a route to judge an answer. */
export interface RouteSpec {
  name: string;
  expect?: readonly number[];
  auth?: 'session' | 'cron' | 'none';
}

interface Bucket {
  overall: Tally;
  dropped: number;
  routes: Map<number, Tally>;
  users: number;
  /** Open model: the arrival rate asked for in this second. */
  rate: number | null;
}

/** Aggregates worker batches: whole-run tallies plus one-second intervals for the time series. */
export class LoadStats {
  private readonly overall = new Tally(false);
  private readonly routes: Tally[];
  readonly lag = histogram();
  private readonly buckets = new Map<number, Bucket>();
  private firstMs: number | null = null;
  private nextSecond = 0;
  private lastUsers = 0;
  private lastMs: number | null = null;
  dropped = 0;
  /** Open model: the arrival rate the engine is sending now (each interval keeps its highest). */
  rateNow: number | null = null;

  private readonly routeNames: readonly string[];
  /** When set, each interval carries the machine's CPU busy share for its second. */
  machine: { cpuBusyBetween(fromMs: number, toMs: number): number | null } | null = null;

  constructor(
    private readonly routeSpecs: readonly RouteSpec[],
    private startedAtMs: number,
  ) {
    this.routeNames = routeSpecs.map((r) => r.name);
    this.routes = routeSpecs.map(() => new Tally(true));
  }

  /** Seconds count from here: call when the load actually starts (after workers are ready). */
  startAt(ms: number): void {
    this.startedAtMs = ms;
    this.nextSecond = 0;
  }

  /**
   * Without an explicit `expect`, 2xx and 3xx pass, except on session routes: there a
   * redirect is the app sending an expired or refused session to its sign-in page.
   */
  private failed(route: number, status: number, error: number): boolean {
    if (error !== 0) return true;
    const spec = this.routeSpecs[route]!;
    if (spec.expect) return !spec.expect.includes(status);
    return status < 200 || status >= (spec.auth === 'session' ? 300 : 400);
  }

  /** 401 and 403 anywhere, and a redirect on a session route (a sign-in redirect). */
  private authFailed(route: number, status: number, error: number): boolean {
    if (error !== 0) return false;
    return status === 401 || status === 403 || (this.routeSpecs[route]!.auth === 'session' && status >= 300 && status < 400 && !this.routeSpecs[route]!.expect);
  }

  /** Adds a batch; returns how many 401/403 answers it held (for the auth alert). */
  add(batch: Batch, users: number, nowMs = Date.now()): number {
    let auth = 0;
    if (batch.dropped) this.addDropped(batch.dropped, nowMs, users);
    this.dropped += batch.dropped;
    for (let i = 0; i < batch.count; i += 1) {
      if (this.record(batch.route[i]!, batch.status[i]!, batch.error[i]!, batch.latencyUs[i]!, batch.lagUs[i]!, batch.endMs[i]!, users)) auth += 1;
    }
    return auth;
  }

  /** Open model: arrivals dropped (the in-flight cap), counted in the second they were noticed. */
  private addDropped(n: number, nowMs: number, users: number): void {
    this.bucketAt(Math.floor((nowMs - this.startedAtMs) / 1000), users).dropped += n;
  }

  private bucketAt(second: number, users: number): Bucket {
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = { overall: new Tally(false), dropped: 0, routes: new Map(), users, rate: this.rateNow }));
    if (this.rateNow !== null) bucket.rate = Math.max(bucket.rate ?? 0, this.rateNow);
    return bucket;
  }

  /** One answer (or transport error, `error` > 0) for route index `route`; true when it was an auth failure. */
  record(route: number, status: number, error: number, latencyUs: number, lagUs: number, endMs: number, users: number): boolean {
    const failed = this.failed(route, status, error);
    const auth = this.authFailed(route, status, error);
    this.overall.add(status, error, latencyUs, failed, auth);
    this.routes[route]!.add(status, error, latencyUs, failed, auth);
    this.lag.recordValue(Math.max(1, Math.round(lagUs)));
    this.firstMs = Math.min(this.firstMs ?? endMs, endMs);
    this.lastMs = Math.max(this.lastMs ?? endMs, endMs);
    const bucket = this.bucketAt(Math.floor((endMs - this.startedAtMs) / 1000), users);
    bucket.users = Math.max(bucket.users, users);
    this.lastUsers = users;
    bucket.overall.add(status, error, latencyUs, failed, auth);
    let tally = bucket.routes.get(route);
    if (!tally) bucket.routes.set(route, (tally = new Tally(true)));
    tally.add(status, error, latencyUs, failed, auth);
    return auth;
  }

  /**
   * Closes the seconds that can no longer receive answers (older than `graceMs`), oldest
   * first. A second in which no answer ended is emitted empty: a stall shows as 0 req/s.
   */
  closeIntervals(nowMs: number, graceMs = 1500): IntervalSummary[] {
    const out: IntervalSummary[] = [];
    const lastBucket = this.buckets.size ? Math.max(...this.buckets.keys()) : -1;
    const closable = Number.isFinite(nowMs) ? Math.floor((nowMs - graceMs - this.startedAtMs) / 1000) - 1 : lastBucket;
    for (; this.nextSecond <= closable; this.nextSecond += 1) {
      const second = this.nextSecond;
      const bucket = this.buckets.get(second);
      this.buckets.delete(second);
      const routes: Record<string, RouteSummary> = {};
      // Each route's second keeps its histogram: a gate batches seconds into distributions.
      for (const [index, tally] of bucket?.routes ?? []) routes[this.routeNames[index]!] = tally.summary(1000, null, true);
      const overall = overallSummary(bucket?.overall ?? new Tally(false), bucket?.routes.values() ?? [], 1000);
      if (bucket?.dropped) overall.dropped = bucket.dropped;
      for (const tally of bucket?.routes.values() ?? []) tally.destroy();
      const startMs = this.startedAtMs + second * 1000;
      const cpuBusy = this.machine?.cpuBusyBetween(startMs, startMs + 1000) ?? null;
      const rate = bucket ? bucket.rate : this.rateNow;
      out.push({
        t: new Date(startMs).toISOString(),
        elapsedS: second,
        users: bucket?.users ?? this.lastUsers,
        ...(rate !== null ? { rate: Math.round(rate * 100) / 100 } : {}),
        overall,
        routes,
        ...(cpuBusy !== null ? { machine: { cpuBusy } } : {}),
      });
    }
    return out;
  }

  /** Any percentile, in ms, for `overall` or a route name; null without requests. */
  percentileMs(key: string, percentile: number): number | null {
    if (key === 'overall') {
      if (this.overall.requests === 0) return null;
      const merged = mergedHistogram(this.routes);
      const value = merged.getValueAtPercentile(percentile) / 1000;
      merged.destroy();
      return value;
    }
    const tally = this.routes[this.routeNames.indexOf(key)];
    if (!tally || tally.requests === 0) return null;
    return tally.hist!.getValueAtPercentile(percentile) / 1000;
  }

  get requests(): number {
    return this.overall.requests;
  }

  /** Whole-run figures; throughput over the span from the first to the last answer. `histograms`: keep each route's. */
  summary(histograms = false): LoadSummary & { scheduleLagMs: LatencySummary | null; dropped: number } {
    const span = this.firstMs !== null && this.lastMs !== null ? Math.max(1000, this.lastMs - this.firstMs) : 0;
    const routes: Record<string, RouteSummary> = {};
    this.routeNames.forEach((name, i) => (routes[name] = this.routes[i]!.summary(span, null, histograms)));
    const lag = this.overall.requests
      ? {
          min: this.lag.minNonZeroValue / 1000,
          mean: Math.round(this.lag.mean) / 1000,
          p50: this.lag.getValueAtPercentile(50) / 1000,
          p90: this.lag.getValueAtPercentile(90) / 1000,
          p95: this.lag.getValueAtPercentile(95) / 1000,
          p99: this.lag.getValueAtPercentile(99) / 1000,
          max: this.lag.maxValue / 1000,
        }
      : null;
    const overall = overallSummary(this.overall, this.routes, span, histograms);
    if (this.dropped) overall.dropped = this.dropped;
    return { overall, routes, scheduleLagMs: lag, dropped: this.dropped };
  }
}
