import * as hdr from 'hdr-histogram-js';
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

export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RouteSummary {
  requests: number;
  /** Requests per second over the measured span. */
  rps: number;
  /** Answers outside the route's expected statuses, plus transport errors. */
  errors: number;
  errorRate: number;
  timeouts: number;
  /** 401 and 403 answers: sessions refused (never hidden in "errors" alone). */
  authFailures: number;
  status: Record<string, number>;
  transportErrors: Record<string, number>;
  /** Milliseconds, from the intended send time to the end of the answer. */
  latencyMs: LatencySummary | null;
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

  /** `merged`: the latencies of an overall tally, from mergedHistogram(). */
  summary(spanMs: number, merged: hdr.Histogram | null = null): RouteSummary {
    const ms = (us: number) => Math.round(us) / 1000;
    const h = (merged ?? this.hist)!;
    return {
      requests: this.requests,
      rps: spanMs > 0 ? Math.round((this.requests / spanMs) * 1000 * 100) / 100 : 0,
      errors: this.errors,
      errorRate: this.requests ? this.errors / this.requests : 0,
      timeouts: this.timeouts,
      authFailures: this.authFailures,
      status: { ...this.status },
      transportErrors: { ...this.transport },
      latencyMs: this.requests
        ? {
            min: ms(h.minNonZeroValue),
            mean: ms(h.mean),
            p50: ms(h.getValueAtPercentile(50)),
            p90: ms(h.getValueAtPercentile(90)),
            p95: ms(h.getValueAtPercentile(95)),
            p99: ms(h.getValueAtPercentile(99)),
            max: ms(h.maxValue),
          }
        : null,
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
function overallSummary(overall: Tally, routes: Iterable<Tally>, spanMs: number): RouteSummary {
  const merged = mergedHistogram(routes);
  const summary = overall.summary(spanMs, merged);
  merged.destroy();
  return summary;
}

/** What the statistics need to know of a route to judge an answer. */
export interface RouteSpec {
  name: string;
  expect?: readonly number[];
  auth?: 'session' | 'cron' | 'none';
}

export interface IntervalSummary {
  /** Start of the second, ISO. */
  t: string;
  elapsedS: number;
  users: number;
  overall: RouteSummary;
  routes: Record<string, RouteSummary>;
}

interface Bucket {
  overall: Tally;
  routes: Map<number, Tally>;
  users: number;
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

  private readonly routeNames: readonly string[];

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
  add(batch: Batch, users: number): number {
    let auth = 0;
    this.dropped += batch.dropped;
    for (let i = 0; i < batch.count; i += 1) {
      if (this.record(batch.route[i]!, batch.status[i]!, batch.error[i]!, batch.latencyUs[i]!, batch.lagUs[i]!, batch.endMs[i]!, users)) auth += 1;
    }
    return auth;
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
    const second = Math.floor((endMs - this.startedAtMs) / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = { overall: new Tally(false), routes: new Map(), users }));
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
      for (const [index, tally] of bucket?.routes ?? []) routes[this.routeNames[index]!] = tally.summary(1000);
      const overall = overallSummary(bucket?.overall ?? new Tally(false), bucket?.routes.values() ?? [], 1000);
      for (const tally of bucket?.routes.values() ?? []) tally.destroy();
      out.push({ t: new Date(this.startedAtMs + second * 1000).toISOString(), elapsedS: second, users: bucket?.users ?? this.lastUsers, overall, routes });
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

  /** Whole-run figures; throughput over the span from the first to the last answer. */
  summary(): { overall: RouteSummary; routes: Record<string, RouteSummary>; scheduleLagMs: LatencySummary | null; dropped: number } {
    const span = this.firstMs !== null && this.lastMs !== null ? Math.max(1000, this.lastMs - this.firstMs) : 0;
    const routes: Record<string, RouteSummary> = {};
    this.routeNames.forEach((name, i) => (routes[name] = this.routes[i]!.summary(span)));
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
    return { overall: overallSummary(this.overall, this.routes, span), routes, scheduleLagMs: lag, dropped: this.dropped };
  }
}
