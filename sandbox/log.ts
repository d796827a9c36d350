import pino, { type Logger } from 'pino';

/**
 * CE Pro's structured logs: pino's fields (level, time, msg) plus `event`, `job_type`,
 * `job_id`, `attempt`, `error` (the reference choice in docs/contracts/cepro.md).
 * Writes are synchronous so a test or a log reader sees a line as soon as it happened.
 */
export function createAppLogger(options: { file?: string; level: string }): Logger {
  const destination = pino.destination({ dest: options.file ?? 1, sync: true, mkdir: true });
  return pino({ level: options.level, base: { app: 'ce-pro-sandbox' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
