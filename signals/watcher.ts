import { parseHealth } from './health/parse.ts';
import { probe } from './health/probe.ts';
import type { HealthSample, PublicProbe } from '../record/health.ts';

export interface WatcherOptions {
  target: string;
  intervalMs: number;
  timeoutMs: number;
  healthPath: string;
  queueKey: string | null;
  /** Where the body lists its components (null: not read). */
  componentsKey?: string | null;
  /** CRON_SECRET: without it the snapshot is not requested. */
  cronSecret?: string;
  /** Also probe the public GET and HEAD each interval. */
  publicProbes?: boolean;
  onSample(sample: HealthSample): void;
  now?: () => number;
}

/** In-flight samples beyond this are skipped (recorded as failed): a hung target must not pile up sockets. */
const MAX_IN_FLIGHT = 16;

/**
 * Samples the health route on a fixed schedule: sample n is due at start + n * interval,
 * so a slow answer never shifts later samples, and each sample records how late its
 * timer fired (lagMs) so a busy event loop shows up as data rather than as skewed time.
 */
export class Watcher {
  private seq = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: WatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.startedAt = this.now();
    this.schedule(0);
  }

  /** Stops scheduling and waits for samples in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.inFlight]);
  }

  /** Takes one sample now, outside the schedule. */
  sampleNow(): Promise<HealthSample> {
    return this.take(this.now(), 0);
  }

  private schedule(n: number): void {
    if (this.stopped) return;
    const due = this.startedAt + n * this.options.intervalMs;
    this.timer = setTimeout(() => {
      const fired = this.now();
      const run = this.take(fired, Math.max(0, fired - due)).then(() => {});
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
      this.schedule(n + 1);
    }, Math.max(0, due - this.now()));
  }

  private async take(at: number, lagMs: number): Promise<HealthSample> {
    const seq = (this.seq += 1);
    const { target, healthPath, timeoutMs, cronSecret, queueKey, componentsKey = 'checks' } = this.options;
    const url = `${target}${healthPath}`;
    let sample: HealthSample;
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      sample = blank(seq, at, lagMs, `skipped: ${MAX_IN_FLIGHT} earlier samples still waiting for an answer`);
    } else {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (cronSecret) headers.authorization = `Bearer ${cronSecret}`;
      const [main, pub, head] = await Promise.all([
        probe(url, { headers, timeoutMs }),
        this.options.publicProbes ? probe(url, { timeoutMs }) : null,
        this.options.publicProbes ? probe(url, { method: 'HEAD', timeoutMs }) : null,
      ]);
      sample = blank(seq, at, lagMs, main.error);
      sample.httpStatus = main.httpStatus;
      sample.latencyMs = main.latencyMs;
      if (!main.error && main.httpStatus !== null) {
        const parsed = parseHealth(main.httpStatus, main.body, queueKey, componentsKey);
        Object.assign(sample, parsed);
        if (!cronSecret && parsed.queueError) sample.queueError = 'no CRON_SECRET given: queue snapshot not requested';
      }
      if (pub && head) {
        const publicGet: PublicProbe = { httpStatus: pub.httpStatus, latencyMs: pub.latencyMs, error: pub.error };
        if (!pub.error && pub.httpStatus !== null) publicGet.leaksQueue = parseHealth(pub.httpStatus, pub.body, queueKey).queue !== null;
        sample.public = { get: publicGet, head: { httpStatus: head.httpStatus, latencyMs: head.latencyMs, error: head.error } };
      }
    }
    this.options.onSample(sample);
    return sample;
  }
}

function blank(seq: number, at: number, lagMs: number, error: string | null): HealthSample {
  return {
    seq,
    t: new Date(at).toISOString(),
    tMs: at,
    lagMs: Math.round(lagMs * 100) / 100,
    httpStatus: null,
    latencyMs: 0,
    degraded: null,
    status: null,
    components: null,
    queue: null,
    queueError: null,
    error,
  };
}
