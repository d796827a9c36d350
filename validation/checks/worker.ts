import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../core/duration.ts';
import type { CutoverCheck, Outcome } from '../check.ts';
import type { ValidateContext } from '../context.ts';
import { quoteQualified, withClient } from '../db/connect.ts';

type Via = 'sql' | 'route';

function via(ctx: ValidateContext): Via | null {
  const chosen = ctx.config.validate.canary.via;
  if (chosen === 'off') return null;
  if (chosen === 'sql' || (chosen === 'auto' && ctx.databaseUrl)) return ctx.databaseUrl ? 'sql' : null;
  return ctx.cookies.length ? 'route' : null;
}


/**
 * The end-to-end proof that the new environment's worker runs: enqueue a canary job and
 * see it completed before the deadline. By SQL into the jobs table (needs --database-url)
 * or through the app's enqueue route with a session (needs --cookies).
 */
export const workerCanary: CutoverCheck = {
  id: 'worker.canary',
  title: 'A canary job is completed by the new environment',
  strict: true,
  waits: true,
  needs: (ctx) =>
    ctx.config.validate.canary.via === 'off'
      ? 'validate.canary.via is off'
      : via(ctx)
        ? null
        : 'needs --database-url (SQL canary) or --cookies (route canary)',
  async run(ctx) {
    const { jobType, timeout } = ctx.config.validate.canary;
    const table = quoteQualified(ctx.config.validate.jobsTable);
    const started = ctx.now();
    const mode = via(ctx)!;
    let status: () => Promise<string | null>;
    let id: number;
    if (mode === 'sql') {
      id = await withClient(ctx.databaseUrl!, async (c) => {
        const { rows } = await c.query(`insert into ${table} (job_type, payload) values ($1, $2) returning id::int`, [jobType, { canary: true, by: 'drill validate' }]);
        return rows[0].id as number;
      });
      status = () => withClient(ctx.databaseUrl!, async (c) => ((await c.query(`select status from ${table} where id = $1`, [id])).rows[0]?.status as string) ?? null);
    } else {
      const res = await fetch(`${ctx.target}${ctx.config.validate.canary.route}`, {
        method: 'POST',
        headers: { cookie: ctx.cookies[0]!, 'content-type': 'application/json' },
        body: JSON.stringify({ job_type: jobType, payload: { canary: true, by: 'drill validate' } }),
      });
      if (!res.ok) return { status: 'fail', summary: `the enqueue route answered ${res.status}`, evidence: { route: ctx.config.validate.canary.route } };
      id = ((await res.json()) as { job_id: number }).job_id;
      status = async () => {
        const r = await fetch(`${ctx.target}${ctx.config.validate.canary.route}/${id}`, { headers: { cookie: ctx.cookies[0]! } });
        return r.ok ? ((await r.json()) as { data: { status: string } }).data.status : null;
      };
    }
    let last: string | null = null;
    while (ctx.now() - started < timeout && !ctx.signal.aborted) {
      last = await status();
      if (last === 'completed') return done(mode, id, ctx.now() - started);
      if (last === 'dead_letter') return { status: 'fail', summary: `canary job ${id} dead-lettered`, evidence: { id, via: mode } };
      await sleep(500);
    }
    return { status: 'fail', summary: `canary job ${id} still ${last ?? 'unknown'} after ${formatDuration(timeout)}: the worker is not running here`, evidence: { id, via: mode, lastStatus: last } };
  },
};

function done(mode: Via, id: number, ms: number): Outcome {
  return { status: 'pass', summary: `canary job ${id} (via ${mode}) completed in ${formatDuration(ms)}`, evidence: { id, via: mode, completedInMs: ms } };
}

/**
 * Two environments must never process the same work: after the cutover time the old
 * database must show no job claimed, finished, retried or dead-lettered.
 */
export const envSingleActive: CutoverCheck = {
  id: 'env.single_active',
  title: 'Only the new environment processes jobs after cutover',
  strict: true,
  needs: (ctx) => (!ctx.sourceDatabaseUrl ? 'needs --source-database-url (the old database)' : !ctx.cutoverAt ? 'needs --cutover-at TIME' : null),
  async run(ctx) {
    const table = quoteQualified(ctx.config.validate.jobsTable);
    return withClient(ctx.sourceDatabaseUrl!, async (c) => {
      const { rows } = await c.query(
        `select count(*)::int as n, max(updated_at) as last from ${table}
          where updated_at > $1 and status in ('processing', 'completed', 'retrying', 'dead_letter')`,
        [ctx.cutoverAt],
      );
      const cron = await c
        .query(`select count(*)::int as n from cron.job where active`)
        .then((r) => r.rows[0].n as number)
        .catch(() => null);
      const evidence = { claimedAfterCutover: rows[0].n, lastActivity: rows[0].last, activeCronJobs: cron };
      if (rows[0].n > 0) {
        return { status: 'fail', summary: `the old database shows ${rows[0].n} jobs worked after ${ctx.cutoverAt!.toISOString()} (last ${new Date(rows[0].last).toISOString()}): the old environment is still processing`, evidence };
      }
      if (cron) return { status: 'warn', summary: `no jobs worked after cutover, but ${cron} pg_cron jobs are still active in the old database`, evidence };
      return { status: 'pass', summary: `no job worked in the old database after ${ctx.cutoverAt!.toISOString()}`, evidence };
    });
  },
};
