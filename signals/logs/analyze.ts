import type { CronGap, JobTypeFailures, LogAnswers } from '../../record/logs.ts';
import { familyOf, type LogEvent, type ParsedLine } from './parse.ts';

export type { LogAnswers };

export const EVENT_FAMILIES = [
  'background_job_cron', 'background_job_batch', 'background_job', 'admin_email', 'campaign_batch',
  'recovery_email', 'health_check', 'webhook_delivery', 'admin_auth',
] as const;

const MAX_GAPS = 10;
/** A job type failing this often in one log is "failing again and again". */
const REPEATED = 3;

/**
 * Reads log events one at a time (a file, stdin or a drain) in bounded memory: counters,
 * the largest cron gaps, and per-job-type failures, never the events themselves.
 */
export class LogAnalyzer {
  private readonly lines = { total: 0, events: 0, withoutEvent: 0, unreadable: 0 };
  private readonly families = new Map<string, number>();
  private cronRuns = 0;
  private cronFailures = 0;
  private firstCronAt: number | null = null;
  private lastCronAt: number | null = null;
  private gaps: CronGap[] = [];
  private longestGapMs: number | null = null;
  private batches = 0;
  private emptyBatches = 0;
  private jobsClaimed = 0;
  private readonly failures = new Map<string, JobTypeFailures>();
  private retrying = 0;
  private deadLetter = 0;

  /** Gaps longer than this between cron runs are listed. */
  constructor(private readonly gapThresholdMs: number) {}

  observeLine(parsed: ParsedLine): void {
    this.lines.total += 1;
    if (!parsed.ok) {
      if (parsed.reason !== 'blank') this.lines.unreadable += 1;
      return;
    }
    this.observe(parsed.event);
  }

  observe(event: LogEvent): void {
    if (!event.event) {
      this.lines.withoutEvent += 1;
      return;
    }
    this.lines.events += 1;
    const family = familyOf(event.event);
    this.families.set(family, (this.families.get(family) ?? 0) + 1);
    switch (event.event) {
      case 'background_job_cron.started':
        this.cronRun(event.tMs);
        break;
      case 'background_job_cron.failed':
        this.cronFailures += 1;
        break;
      case 'background_job_batch.claimed': {
        const count = typeof event.extra.count === 'number' ? event.extra.count : 0;
        this.batches += 1;
        this.jobsClaimed += count;
        if (count === 0) this.emptyBatches += 1;
        break;
      }
      case 'background_job.retrying':
        this.retrying += 1;
        this.failure(event, 'retrying');
        break;
      case 'background_job.dead_letter':
        this.deadLetter += 1;
        this.failure(event, 'deadLetter');
        break;
    }
  }

  private cronRun(tMs: number): void {
    this.cronRuns += 1;
    if (this.lastCronAt !== null && tMs > this.lastCronAt) {
      const ms = tMs - this.lastCronAt;
      this.longestGapMs = Math.max(this.longestGapMs ?? 0, ms);
      if (ms > this.gapThresholdMs) {
        this.gaps.push({ from: new Date(this.lastCronAt).toISOString(), to: new Date(tMs).toISOString(), ms });
        this.gaps.sort((a, b) => b.ms - a.ms);
        this.gaps = this.gaps.slice(0, MAX_GAPS);
      }
    }
    this.firstCronAt ??= tMs;
    this.lastCronAt = Math.max(this.lastCronAt ?? tMs, tMs);
  }

  private failure(event: LogEvent, kind: 'retrying' | 'deadLetter'): void {
    const jobType = event.jobType ?? 'unknown';
    const entry = this.failures.get(jobType) ?? { jobType, failures: 0, retrying: 0, deadLetter: 0, lastError: null };
    entry.failures += 1;
    entry[kind] += 1;
    entry.lastError = event.error ?? entry.lastError;
    this.failures.set(jobType, entry);
  }

  answers(): LogAnswers {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const topTypes = [...this.failures.values()].sort((a, b) => b.failures - a.failures).slice(0, 5);
    const failed = this.retrying + this.deadLetter;
    return {
      lines: { ...this.lines },
      families: Object.fromEntries([...this.families.entries()].sort((a, b) => b[1] - a[1])),
      workerRan: {
        answer: this.cronRuns > 0 ? 'yes' : 'no',
        runs: this.cronRuns,
        failedRuns: this.cronFailures,
        firstAt: iso(this.firstCronAt),
        lastAt: iso(this.lastCronAt),
        longestGapMs: this.longestGapMs,
        gaps: [...this.gaps],
      },
      claimedWork: { answer: this.jobsClaimed > 0 ? 'yes' : 'no', batches: this.batches, jobsClaimed: this.jobsClaimed, emptyBatches: this.emptyBatches },
      repeatedFailures: { answer: topTypes.some((t) => t.failures >= REPEATED) ? 'yes' : 'no', topTypes },
      retryVsDeadLetter: { retrying: this.retrying, deadLetter: this.deadLetter, deadLetterShare: failed ? this.deadLetter / failed : null },
    };
  }
}
