import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from '../context.ts';
import { hasBearer, sendJson } from '../http/respond.ts';

/** POST (or GET, as Vercel cron calls it) /api/cron/background-jobs with the cron bearer. */
export async function cron(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!hasBearer(req, ctx.options.cronSecret)) {
    ctx.log.warn({ event: 'background_job_cron.unauthorized' }, 'cron called without the cron secret');
    return sendJson(res, 401, { error: 'unauthorized' });
  }
  try {
    const result = await ctx.worker.run('http');
    sendJson(res, 200, { ok: true, ...result });
  } catch (error) {
    sendJson(res, 500, { ok: false, error: (error as Error).message });
  }
}
