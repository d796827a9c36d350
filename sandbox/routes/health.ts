import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from '../context.ts';
import { hasBearer, sendJson } from '../http/respond.ts';
import { snapshot } from '../queue.ts';

const DB_CHECK_TIMEOUT_MS = 2000;

/**
 * GET/HEAD /api/health. The public body has no queue data; with the cron bearer it adds
 * the six-field snapshot under `queue` (the sandbox's reference choice). Degraded is 503.
 */
export async function health(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  let database: { status: 'ok' | 'error'; latency_ms: number; error?: string };
  let queue = null;
  const withQueue = hasBearer(req, ctx.options.cronSecret);
  try {
    await withTimeout(ctx.db.query('select 1'), DB_CHECK_TIMEOUT_MS);
    database = { status: 'ok', latency_ms: Math.round(performance.now() - started) };
    if (withQueue) queue = await withTimeout(snapshot(ctx.db), DB_CHECK_TIMEOUT_MS);
  } catch (error) {
    database = { status: 'error', latency_ms: Math.round(performance.now() - started), error: (error as Error).message };
  }
  const degraded = ctx.faults.degraded || database.status === 'error';
  if (degraded) {
    ctx.log.warn({ event: 'health_check.degraded', reason: ctx.faults.degraded ? 'injected fault degraded' : database.error }, 'health degraded');
  }
  const status = degraded ? 503 : 200;
  if (req.method === 'HEAD') {
    res.writeHead(status, { 'cache-control': 'no-store' });
    res.end();
    return;
  }
  const body: Record<string, unknown> = {
    status: degraded ? 'degraded' : 'ok',
    checks: {
      database,
      worker: { status: ctx.faults.cronStopped ? 'stopped' : 'ok', last_run_at: ctx.worker.lastRunAt?.toISOString() ?? null },
    },
    time: new Date().toISOString(),
  };
  if (withQueue && queue) body.queue = queue;
  sendJson(res, status, body, { 'cache-control': 'no-store' });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`database did not answer within ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
