import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectPostgres, type Db } from '../sandbox/db/db.ts';
import { migrate } from '../sandbox/db/migrate.ts';
import { claim, complete, enqueue, fail, reapStale, snapshot } from '../sandbox/queue.ts';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = connectPostgres(database.url, 12);
  await migrate(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

beforeEach(async () => {
  await db.query('truncate background_jobs restart identity');
});

const backoff = { baseMs: 1000, maxMs: 60_000 };

describe('claim', () => {
  it('never gives the same job to two concurrent workers', async () => {
    await enqueue(db, Array.from({ length: 600 }, () => ({ jobType: 'admin_email' })));
    const seen: number[] = [];
    // Eight workers race on separate pooled connections until the queue is empty.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const jobs = await claim(db, `worker-${w}`, 7);
          if (jobs.length === 0) return;
          seen.push(...jobs.map((j) => j.id));
        }
      }),
    );
    expect(seen).toHaveLength(600);
    expect(new Set(seen).size).toBe(600);
    const [row] = await db.query<{ n: number }>("select count(*)::int as n from background_jobs where status = 'processing' and attempts = 1");
    expect(row!.n).toBe(600);
  });

  it('takes only ready jobs, oldest first', async () => {
    const [later] = await enqueue(db, [{ jobType: 'admin_email', delayMs: 60_000 }]);
    const [first, second] = await enqueue(db, [{ jobType: 'campaign_batch' }, { jobType: 'recovery_email' }]);
    const jobs = await claim(db, 'w', 10);
    expect(jobs.map((j) => j.id)).toEqual([first, second]);
    expect(jobs.map((j) => j.id)).not.toContain(later);
  });
});

describe('retry, backoff and dead-letter', () => {
  it('retries with exponential backoff, then dead-letters on the last attempt', async () => {
    const [id] = await enqueue(db, [{ jobType: 'webhook_delivery', maxAttempts: 3 }]);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      // Make the job ready now, whatever its backoff says, to walk every attempt.
      await db.query('update background_jobs set run_at = now() where id = $1', [id]);
      const [job] = await claim(db, 'w', 1);
      expect(job!.attempts).toBe(attempt);
      const before = Date.now();
      const outcome = await fail(db, id!, 'w', `boom ${attempt}`, backoff);
      if (attempt < 3) {
        expect(outcome!.status).toBe('retrying');
        delays.push(Date.parse(outcome!.run_at) - before);
      } else {
        expect(outcome!.status).toBe('dead_letter');
      }
    }
    // base 1s: about 1s after the first failure, 2s after the second (DB clock vs ours: ±250ms).
    expect(delays[0]).toBeGreaterThan(750);
    expect(delays[0]).toBeLessThan(1250);
    expect(delays[1]).toBeGreaterThan(1750);
    expect(delays[1]).toBeLessThan(2250);
    const [row] = await db.query<{ status: string; last_error: string }>('select status, last_error from background_jobs where id = $1', [id]);
    expect(row).toEqual({ status: 'dead_letter', last_error: 'boom 3' });
    expect(await claim(db, 'w', 10)).toEqual([]);
  });

  it('caps the backoff at maxMs', async () => {
    const [id] = await enqueue(db, [{ jobType: 'admin_email', maxAttempts: 10 }]);
    await db.query('update background_jobs set attempts = 7 where id = $1', [id]);
    await claim(db, 'w', 1);
    const before = Date.now();
    const outcome = await fail(db, id!, 'w', 'x', { baseMs: 1000, maxMs: 5000 });
    expect(Date.parse(outcome!.run_at) - before).toBeLessThan(5300);
    expect(Date.parse(outcome!.run_at) - before).toBeGreaterThan(4700);
  });

  it('ignores a completion from a worker that lost its lease', async () => {
    const [id] = await enqueue(db, [{ jobType: 'admin_email' }]);
    await claim(db, 'slow-worker', 1);
    await db.query("update background_jobs set locked_at = now() - interval '10 minutes' where id = $1", [id]);
    expect(await reapStale(db, 60_000)).toBe(1);
    expect(await complete(db, id!, 'slow-worker')).toBe(false);
    const [row] = await db.query<{ status: string }>('select status from background_jobs where id = $1', [id]);
    expect(row!.status).toBe('retrying');
  });
});

describe('snapshot', () => {
  it('equals what SQL says, field by field', async () => {
    await enqueue(db, Array.from({ length: 5 }, () => ({ jobType: 'admin_email' })));
    await enqueue(db, [{ jobType: 'admin_email', delayMs: 120_000 }]);
    await db.query(`insert into background_jobs (job_type, status, run_at) values
      ('webhook_delivery', 'retrying', now() - interval '7 minutes'),
      ('webhook_delivery', 'retrying', now() + interval '5 minutes'),
      ('campaign_batch', 'dead_letter', now()),
      ('campaign_batch', 'processing', now()),
      ('campaign_batch', 'completed', now() - interval '1 hour')`);
    const snap = await snapshot(db);
    const [sql] = await db.query<Record<string, number>>(`select
      (select count(*)::int from background_jobs where status = 'pending') as pending,
      (select count(*)::int from background_jobs where status = 'retrying') as retrying,
      (select count(*)::int from background_jobs where status = 'processing') as processing,
      (select count(*)::int from background_jobs where status = 'dead_letter') as dead_letter,
      (select extract(epoch from now() - min(run_at))::int from background_jobs
        where status in ('pending','retrying') and run_at <= now()) as age`);
    expect(snap).toMatchObject({ pending: sql!.pending, retrying: sql!.retrying, processing: sql!.processing, dead_letter: sql!.dead_letter });
    expect(snap).toMatchObject({ pending: 6, retrying: 2, processing: 1, dead_letter: 1 });
    // The retrying job 7 minutes overdue is the oldest ready one; the one in backoff is not ready.
    expect(snap.oldest_ready_age_seconds).toBeGreaterThanOrEqual(419);
    expect(Math.abs(snap.oldest_ready_age_seconds! - sql!.age!)).toBeLessThanOrEqual(1);
    expect(Date.now() - Date.parse(snap.oldest_ready_at!)).toBeGreaterThan(419_000);
  });

  it('reports nulls for the age when nothing is ready', async () => {
    expect(await snapshot(db)).toEqual({
      pending: 0, retrying: 0, processing: 0, dead_letter: 0, oldest_ready_at: null, oldest_ready_age_seconds: null,
    });
  });
});
