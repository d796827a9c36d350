import type { QueueSnapshot } from '../../record/health.ts';
import { parseHealth } from '../../signals/health/parse.ts';
import { probe } from '../../signals/health/probe.ts';

export interface SmokeResult {
  status: 'pass' | 'fail';
  httpStatus: number | null;
  healthStatus: string | null;
  queue: QueueSnapshot | null;
  summary: string;
}

/**
 * The app on the restored database answers: its health route is not degraded, and with
 * the cron bearer it reports the queue snapshot, which it reads from the database, so an
 * app that starts but cannot query its tables fails here.
 */
export async function smokeApp(baseUrl: string, options: { cronSecret: string | null; healthPath: string; queueKey: string | null; timeoutMs: number }): Promise<SmokeResult> {
  const url = `${baseUrl.replace(/\/+$/, '')}${options.healthPath}`;
  const answer = await probe(url, { headers: options.cronSecret ? { authorization: `Bearer ${options.cronSecret}` } : {}, timeoutMs: options.timeoutMs });
  const base = { httpStatus: answer.httpStatus, healthStatus: null, queue: null };
  if (answer.error) return { ...base, status: 'fail', summary: `${options.healthPath} did not answer: ${answer.error}` };
  const health = parseHealth(answer.httpStatus ?? 0, answer.body, options.queueKey);
  const result = { ...base, healthStatus: health.status, queue: health.queue };
  if (health.error) return { ...result, status: 'fail', summary: `${options.healthPath}: ${health.error}` };
  if (health.degraded) return { ...result, status: 'fail', summary: `${options.healthPath} says ${health.status ?? 'degraded'} (HTTP ${answer.httpStatus})` };
  if (!health.queue) {
    const why = options.cronSecret ? (health.queueError ?? 'no queue snapshot in the answer') : 'no CRON_SECRET to read it with: export CRON_SECRET';
    return { ...result, status: 'fail', summary: `healthy, but the queue snapshot is missing (${why})` };
  }
  const q = health.queue;
  return { ...result, status: 'pass', summary: `healthy (HTTP ${answer.httpStatus}); queue: ${q.pending} pending, ${q.retrying} retrying, ${q.processing} processing, ${q.dead_letter} dead-letter` };
}
