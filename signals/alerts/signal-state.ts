import { backlogOf, type HealthSample } from '../../record/health.ts';
import type { LogEvent } from '../logs/parse.ts';

export type Series = 'webhook' | 'auth';

/** Events this old are dropped once a series grows large; no rule window looks back further. */
const SERIES_HORIZON_MS = 60 * 60_000;
const SERIES_PRUNE_AT = 100_000;

/** The app's clock and ours may differ a little: lines this much before the start still count. */
const LOG_CLOCK_SKEW_MS = 2000;

const CRON_SUCCESS = /^background_job_cron\.(finished|completed|succeeded|done)$/;
const WEBHOOK_FAILURE = /^webhook[\w.]*\.(failed|error)$/;
const AUTH_FAILURE = /^admin_auth\.(failed|denied)$/;

/**
 * What the alert rules know besides the latest sample: the baseline, the run's starting
 * dead-letter count, worker progress, and the failure series from logs and from the
 * drill's own 401/403 answers. Fed in event time; never reads the clock.
 */
export class SignalState {
  /** Set by a measured "normal" period (stress's pre-load baseline); otherwise the configured normal applies. */
  baselineBacklog: number | null = null;
  /** The lowest dead-letter count seen: a requeue lowers it, so later dead letters still count as new. */
  minDeadLetter: number | null = null;
  lastWorkerProgressAt: number | null = null;
  /** A log source was given; `logLines` counts what actually arrived from it. */
  logsAttached = false;
  logLines = 0;
  /** A log file is read from its start: its older lines are history, not this run's failures. */
  private logsFromMs = Number.NEGATIVE_INFINITY;
  /** Once a cron event has been seen in the logs, worker progress is read from them alone. */
  cronEventsSeen = false;
  private previous: { backlog: number; oldestAt: string | null } | null = null;
  private readonly series: Record<Series, number[]> = { webhook: [], auth: [] };
  private readonly present: Record<Series, boolean> = { webhook: false, auth: false };
  private baseline: { from: number; to: number; counts: Record<Series, number> } | null = null;

  observeSample(sample: HealthSample): void {
    const queue = sample.queue;
    if (!queue) return;
    const backlog = backlogOf(sample)!;
    this.minDeadLetter = Math.min(this.minDeadLetter ?? queue.dead_letter, queue.dead_letter);
    // Until the logs show a cron event (a drain not yet pointed here, a lagging one, other
    // event names), the queue is the evidence: logs attached but silent must not page anyone.
    if (!this.cronEventsSeen) {
      // Without logs, progress is read off the queue: nothing ready to do, a shrinking
      // backlog, or the oldest ready job being taken (its timestamp moves forward).
      const idle = queue.oldest_ready_age_seconds === null || backlog === 0;
      const moved =
        this.previous !== null &&
        (backlog < this.previous.backlog || (queue.oldest_ready_at ?? '') > (this.previous.oldestAt ?? '\uffff'));
      if (idle || moved || this.lastWorkerProgressAt === null) this.lastWorkerProgressAt = sample.tMs;
    }
    this.previous = { backlog, oldestAt: queue.oldest_ready_at };
  }

  /**
   * A log source is attached from `tMs`. Its failure series count only once a line has
   * arrived: a mistyped path or a drain nobody posts to is no evidence of zero failures.
   */
  attachLogs(tMs: number): void {
    this.lastWorkerProgressAt ??= tMs;
    this.logsAttached = true;
    this.logsFromMs = tMs;
  }

  observeLogEvent(event: LogEvent): void {
    this.logLines += 1;
    this.present.webhook = true;
    this.present.auth = true;
    if (!event.event) return;
    if (CRON_SUCCESS.test(event.event)) {
      this.cronEventsSeen = true;
      this.lastWorkerProgressAt = Math.max(this.lastWorkerProgressAt ?? 0, event.tMs);
    } else if (event.tMs < this.logsFromMs - LOG_CLOCK_SKEW_MS) {
      // history: the four log answers still count it, the spike alerts do not
    } else if (WEBHOOK_FAILURE.test(event.event)) {
      this.push('webhook', event.tMs, 1);
    } else if (AUTH_FAILURE.test(event.event)) {
      this.push('auth', event.tMs, 1);
    }
  }

  /** The drill's own 401/403 answers: auth failures even when no logs are given. */
  observeAuthFailures(tMs: number, count: number): void {
    this.present.auth = true;
    this.push('auth', tMs, count);
  }

  /** The "normal" period (e.g. before load starts): its backlog and failure rates. */
  setBaseline(from: number, to: number, backlog: number | null): void {
    if (backlog !== null) this.baselineBacklog = backlog;
    this.baseline = {
      from,
      to,
      counts: { webhook: this.countSince('webhook', from, to), auth: this.countSince('auth', from, to) },
    };
  }

  hasSeries(series: Series): boolean {
    return this.present[series];
  }

  countSince(series: Series, from: number, to: number): number {
    let n = 0;
    for (const t of this.series[series]) if (t > from && t <= to) n += 1;
    return n;
  }

  /** Events per millisecond in the baseline period; 0 without one (then only the minimum count applies). */
  baselineRate(series: Series): number {
    if (!this.baseline || this.baseline.to - this.baseline.from < 10_000) return 0;
    return this.baseline.counts[series] / (this.baseline.to - this.baseline.from);
  }

  private push(series: Series, tMs: number, count: number): void {
    const list = this.series[series];
    for (let i = 0; i < count; i += 1) list.push(tMs);
    if (list.length > SERIES_PRUNE_AT) {
      const cutoff = Math.max(...list.slice(-1)) - SERIES_HORIZON_MS;
      this.series[series] = list.filter((t) => t >= cutoff);
    }
  }
}
