import type { QueueSnapshot } from '../record/health.ts';
import type { Db } from './db/db.ts';

export type { QueueSnapshot };

export const JOB_TYPES = ['admin_email', 'campaign_batch', 'recovery_email', 'webhook_delivery'] as const;
export type JobType = (typeof JOB_TYPES)[number];
export const JOB_STATUSES = ['pending', 'processing', 'retrying', 'dead_letter', 'completed'] as const;

export interface Job {
  id: number;
  org_id: string | null;
  job_type: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

export interface NewJob {
  jobType: string;
  orgId?: string | null;
  payload?: Record<string, unknown>;
  /** Delay before the job is ready, in milliseconds. */
  delayMs?: number;
  maxAttempts?: number;
}

export async function enqueue(db: Db, jobs: readonly NewJob[]): Promise<number[]> {
  if (jobs.length === 0) return [];
  const rows = await db.query<{ id: number }>(
    `insert into background_jobs (org_id, job_type, payload, run_at, max_attempts)
     select (j->>'org_id')::uuid, j->>'job_type', coalesce(j->'payload', '{}'::jsonb),
            now() + make_interval(secs => coalesce((j->>'delay_ms')::float8, 0) / 1000),
            coalesce((j->>'max_attempts')::int, 4)
     from jsonb_array_elements($1::jsonb) j
     returning id::int`,
    [
      JSON.stringify(
        jobs.map((job) => ({
          org_id: job.orgId ?? null,
          job_type: job.jobType,
          payload: job.payload ?? {},
          delay_ms: job.delayMs ?? 0,
          max_attempts: job.maxAttempts ?? null,
        })),
      ),
    ],
  );
  return rows.map((row) => row.id);
}

/**
 * Claims up to `limit` ready jobs in ONE statement. FOR UPDATE SKIP LOCKED makes
 * concurrent workers take disjoint rows instead of waiting on each other; a single
 * statement also stays correct on PGlite's shared session (see db.ts).
 */
export async function claim(db: Db, workerId: string, limit: number): Promise<Job[]> {
  return db.query<Job>(
    `update background_jobs j
        set status = 'processing', attempts = j.attempts + 1,
            locked_at = now(), locked_by = $1, updated_at = now()
      where j.id in (
        select id from background_jobs
         where status in ('pending', 'retrying') and run_at <= now()
         order by run_at, id
         limit $2
         for update skip locked)
      returning j.id::int, j.org_id, j.job_type, j.payload, j.attempts, j.max_attempts`,
    [workerId, limit],
  );
}

/** Marks a claimed job done; a no-op if the lease was lost to the reaper meanwhile. */
export async function complete(db: Db, jobId: number, workerId: string): Promise<boolean> {
  const rows = await db.query(
    `update background_jobs set status = 'completed', completed_at = now(), updated_at = now(),
            locked_at = null, locked_by = null, last_error = null
      where id = $1 and status = 'processing' and locked_by = $2 returning id`,
    [jobId, workerId],
  );
  return rows.length === 1;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface FailOutcome {
  status: 'retrying' | 'dead_letter';
  attempts: number;
  run_at: string;
}

/**
 * Records a failure. With attempts left the job waits base * 2^(attempt-1) (capped)
 * and retries; on its last attempt it dead-letters and stays there for a human.
 */
export async function fail(db: Db, jobId: number, workerId: string, error: string, backoff: Backoff): Promise<FailOutcome | null> {
  const [row] = await db.query<FailOutcome & { run_at: Date | string }>(
    `update background_jobs set
        status = case when attempts >= max_attempts then 'dead_letter' else 'retrying' end,
        run_at = case when attempts >= max_attempts then run_at
                 else now() + make_interval(secs => least($4::float8, $3::float8 * power(2, attempts - 1)) / 1000) end,
        last_error = left($5, 2000), locked_at = null, locked_by = null, updated_at = now()
      where id = $1 and status = 'processing' and locked_by = $2
      returning status, attempts, run_at`,
    [jobId, workerId, backoff.baseMs, backoff.maxMs, error],
  );
  if (!row) return null;
  return { status: row.status, attempts: row.attempts, run_at: new Date(row.run_at).toISOString() };
}

/** Returns jobs whose worker vanished mid-job (lease expired) to the retry path. */
export async function reapStale(db: Db, leaseMs: number): Promise<number> {
  const rows = await db.query(
    `update background_jobs set status = 'retrying', locked_at = null, locked_by = null,
            last_error = 'lease expired: worker stopped mid-job', updated_at = now()
      where status = 'processing' and locked_at < now() - make_interval(secs => $1::float8 / 1000)
      returning id`,
    [leaseMs],
  );
  return rows.length;
}

/**
 * The health endpoint's queue snapshot. "Oldest ready" is the oldest pending or retrying
 * job whose run_at has passed: work that could run now and has not. A retrying job still
 * in its backoff is not ready, so it does not age the queue.
 */
export async function snapshot(db: Db): Promise<QueueSnapshot> {
  const [row] = await db.query<{
    pending: number;
    retrying: number;
    processing: number;
    dead_letter: number;
    oldest_ready_at: Date | string | null;
    oldest_ready_age_seconds: number | null;
  }>(
    `select count(*) filter (where status = 'pending')::int as pending,
            count(*) filter (where status = 'retrying')::int as retrying,
            count(*) filter (where status = 'processing')::int as processing,
            count(*) filter (where status = 'dead_letter')::int as dead_letter,
            min(run_at) filter (where status in ('pending', 'retrying') and run_at <= now()) as oldest_ready_at,
            floor(extract(epoch from now() - min(run_at) filter (
              where status in ('pending', 'retrying') and run_at <= now())))::int as oldest_ready_age_seconds
       from background_jobs
      where status <> 'completed'`,
  );
  return {
    pending: row?.pending ?? 0,
    retrying: row?.retrying ?? 0,
    processing: row?.processing ?? 0,
    dead_letter: row?.dead_letter ?? 0,
    oldest_ready_at: row?.oldest_ready_at ? new Date(row.oldest_ready_at).toISOString() : null,
    oldest_ready_age_seconds: row?.oldest_ready_age_seconds ?? null,
  };
}
