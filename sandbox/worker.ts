import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from './db/db.ts';
import type { FaultState } from './faults.ts';
import { type Backoff, type Job, JOB_TYPES, claim, complete, enqueue, fail, reapStale } from './queue.ts';

export interface WorkerSettings {
  batchSize: number;
  concurrency: number;
  jobWorkMs: number;
  backoff: Backoff;
  leaseMs: number;
  maxAttempts: number;
}

export interface CronRunResult {
  run_id: string;
  claimed: number;
  completed: number;
  retried: number;
  dead_lettered: number;
  reaped: number;
  duration_ms: number;
}

/** The success event each job type logs, in CE Pro's event families. */
const SUCCESS_EVENT: Record<string, string> = {
  admin_email: 'admin_email.sent',
  campaign_batch: 'campaign_batch.sent',
  recovery_email: 'recovery_email.sent',
  webhook_delivery: 'webhook_delivery.delivered',
};

/**
 * One run of the worker cron: reap abandoned leases, claim a batch, run each job with
 * bounded concurrency, and record completions, retries and dead letters.
 */
export class Worker {
  private running: Promise<CronRunResult> | null = null;
  lastRunAt: Date | null = null;
  lastResult: CronRunResult | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly faults: FaultState,
    private readonly settings: WorkerSettings,
  ) {}

  /** Overlapping cron calls share the run in progress, as a locked cron handler would. */
  run(trigger: 'schedule' | 'http'): Promise<CronRunResult> {
    if (!this.running) {
      this.running = this.runOnce(trigger).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }

  private async runOnce(trigger: string): Promise<CronRunResult> {
    const runId = randomUUID();
    const started = Date.now();
    this.log.info({ event: 'background_job_cron.started', run_id: runId, trigger }, 'worker cron started');
    const result: CronRunResult = { run_id: runId, claimed: 0, completed: 0, retried: 0, dead_lettered: 0, reaped: 0, duration_ms: 0 };
    try {
      result.reaped = await reapStale(this.db, this.settings.leaseMs);
      const jobs = await claim(this.db, runId, this.settings.batchSize);
      result.claimed = jobs.length;
      this.log.info({ event: 'background_job_batch.claimed', run_id: runId, count: jobs.length }, `claimed ${jobs.length} jobs`);
      await runBounded(jobs, this.settings.concurrency, (job) => this.runJob(job, runId, result));
      result.duration_ms = Date.now() - started;
      this.log.info({ event: 'background_job_cron.finished', ...result }, 'worker cron finished');
      this.lastRunAt = new Date();
      this.lastResult = result;
      return result;
    } catch (error) {
      result.duration_ms = Date.now() - started;
      this.log.error({ event: 'background_job_cron.failed', run_id: runId, error: (error as Error).message }, 'worker cron failed');
      throw error;
    }
  }

  private async runJob(job: Job, runId: string, result: CronRunResult): Promise<void> {
    const base = { job_type: job.job_type, job_id: job.id, attempt: job.attempts, run_id: runId };
    try {
      await this.execute(job);
      if (await complete(this.db, job.id, runId)) {
        result.completed += 1;
        this.log.info({ event: SUCCESS_EVENT[job.job_type] ?? 'background_job.completed', ...base }, 'job completed');
      }
    } catch (error) {
      const message = (error as Error).message;
      if (job.job_type === 'webhook_delivery') this.log.warn({ event: 'webhook_delivery.failed', ...base, error: message }, 'webhook delivery failed');
      const outcome = await fail(this.db, job.id, runId, message, this.settings.backoff);
      if (!outcome) return;
      if (outcome.status === 'dead_letter') {
        result.dead_lettered += 1;
        this.log.error({ event: 'background_job.dead_letter', ...base, error: message }, 'job dead-lettered');
      } else {
        result.retried += 1;
        this.log.warn({ event: 'background_job.retrying', ...base, error: message, next_run_at: outcome.run_at }, 'job will retry');
      }
    }
  }

  private async execute(job: Job): Promise<void> {
    if (this.settings.jobWorkMs > 0) await new Promise((resolve) => setTimeout(resolve, this.settings.jobWorkMs));
    if (job.job_type === 'webhook_delivery' && this.faults.webhookFailures) {
      throw new Error('webhook endpoint answered 500 (injected fault webhook-failures)');
    }
    if (this.faults.jobFails(job.job_type)) throw new Error(`${job.job_type} failed (injected fault job-fails:${job.job_type})`);
  }
}

async function runBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/** The platform cron: calls the worker every interval unless the cron-stopped fault is on. */
export class CronScheduler {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly worker: Worker,
    private readonly intervalMs: number,
    private readonly faults: FaultState,
  ) {}

  start(): void {
    const tick = () => {
      if (!this.faults.cronStopped) this.worker.run('schedule').catch(() => {});
      this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.worker.idle();
  }
}

/**
 * The app's own background traffic (emails, webhooks), enqueued on a timer whether or not
 * the worker runs, so a stopped cron shows up as a growing backlog, as it would in CE Pro.
 */
export class AmbientTraffic {
  private timer: NodeJS.Timeout | null = null;
  private n = 0;
  constructor(
    private readonly db: Db,
    private readonly jobsPerTick: number,
    private readonly intervalMs: number,
    private readonly maxAttempts: number,
  ) {}

  start(): void {
    if (this.jobsPerTick === 0) return;
    this.timer = setInterval(() => {
      const jobs = Array.from({ length: this.jobsPerTick }, () => ({
        jobType: JOB_TYPES[(this.n += 1) % JOB_TYPES.length]!,
        payload: { ambient: true },
        maxAttempts: this.maxAttempts,
      }));
      enqueue(this.db, jobs).catch(() => {});
    }, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
