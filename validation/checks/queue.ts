import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../core/duration.ts';
import { backlogOf } from '../../record/health.ts';
import type { CutoverCheck } from '../check.ts';
import type { ValidateContext } from '../context.ts';
import { alertSettings, normalBacklogFor } from '../../signals/alerts/rules.ts';

const needsSnapshot = (ctx: ValidateContext) => (ctx.cronSecret ? null : 'CRON_SECRET is not set, so the queue snapshot is not visible');

/** No baseline before a cutover check: the configured normal (alerts.queue_backlog_high). */
function normal(ctx: ValidateContext): number {
  return normalBacklogFor(ctx.config, null);
}


export const queueDrain: CutoverCheck = {
  id: 'queue.drain',
  title: 'Queue drains back to normal, processing not stuck',
  strict: true,
  waits: true,
  needs: needsSnapshot,
  async run(ctx) {
    const started = ctx.now();
    const limit = normal(ctx);
    for (;;) {
      const withQueue = ctx.session.samplesSoFar().filter((s) => s.queue && s.tMs >= started);
      const last = withQueue[withQueue.length - 1];
      if (last && backlogOf(last)! <= limit) {
        return {
          status: 'pass',
          summary: `backlog ${backlogOf(last)} (normal up to ${limit}) after ${formatDuration(last.tMs - started)}; processing ${last.queue!.processing}`,
          evidence: { backlog: backlogOf(last), processing: last.queue!.processing, normal: limit, drainMs: last.tMs - started },
        };
      }
      if (ctx.now() - started >= ctx.drainTimeoutMs || ctx.signal.aborted) {
        const processing = withQueue.map((s) => s.queue!.processing);
        const stuck = processing.length > 1 && processing.every((p) => p > 0 && p === processing[0]);
        const backlog = last ? backlogOf(last) : null;
        return {
          status: last ? 'fail' : 'error',
          summary: last
            ? `backlog still ${backlog} (normal up to ${limit}) after ${formatDuration(ctx.drainTimeoutMs)}${stuck ? `; ${processing[0]} jobs stuck in processing` : ''}`
            : 'no readable queue snapshot during the drain wait',
          evidence: { backlog, normal: limit, stuckProcessing: stuck ? processing[0] : 0, samples: withQueue.length },
        };
      }
      await sleep(Math.min(ctx.config.watch.interval, 1000));
    }
  },
};

export const queueOldestReadyAge: CutoverCheck = {
  id: 'queue.oldest_ready_age',
  title: 'Oldest ready job under the age limit (alerts.oldest_ready_age_high) across the window',
  strict: true,
  waits: true,
  needs: needsSnapshot,
  async run(ctx) {
    await ctx.windowDone;
    const limit = alertSettings(ctx.config, 'oldest_ready_age_high').threshold!;
    const ages = ctx.session.samplesSoFar().filter((s) => s.queue).map((s) => s.queue!.oldest_ready_age_seconds ?? 0);
    if (ages.length === 0) return { status: 'error', summary: 'no readable queue snapshot in the window' };
    const worst = Math.max(...ages);
    return {
      status: worst > limit ? 'fail' : 'pass',
      summary: `oldest ready job at most ${worst}s old across ${ages.length} samples (limit ${limit}s)`,
      evidence: { maxAgeSeconds: worst, limit, samples: ages.length },
    };
  },
};

export const queueDeadLetterZero: CutoverCheck = {
  id: 'queue.dead_letter_zero',
  title: 'Dead-letter zero at start and not rising',
  strict: true,
  waits: true,
  needs: needsSnapshot,
  async run(ctx) {
    await ctx.windowDone;
    const counts = ctx.session.samplesSoFar().filter((s) => s.queue).map((s) => ({ t: s.t, n: s.queue!.dead_letter }));
    if (counts.length === 0) return { status: 'error', summary: 'no readable queue snapshot in the window' };
    const start = counts[0]!.n;
    const peak = Math.max(...counts.map((c) => c.n));
    const rose = counts.find((c) => c.n > start);
    const evidence = { atStart: start, peak, firstIncreaseAt: rose?.t ?? null, samples: counts.length };
    if (start > 0 && rose) return { status: 'fail', summary: `dead_letter was ${start} at start and rose to ${peak}`, evidence };
    if (start > 0) return { status: 'fail', summary: `dead_letter is ${start} at start (must be 0 after a cutover)`, evidence };
    if (rose) return { status: 'fail', summary: `dead_letter rose from 0 to ${peak} (first at ${rose.t})`, evidence };
    return { status: 'pass', summary: `dead_letter 0 across ${counts.length} samples`, evidence };
  },
};
