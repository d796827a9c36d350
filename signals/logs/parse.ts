import type { LogEvent } from '../../record/logs.ts';

/**
 * CE Pro's structured log lines. Field names follow the sandbox's reference choice (pino's
 * level/time/msg plus event, job_type, job_id, attempt, error); a hosting log drain may wrap
 * each line as a string in `message`, which is unwrapped.
 */
export type { LogEvent };

export type ParsedLine = { ok: true; event: LogEvent } | { ok: false; reason: 'blank' | 'not-json' | 'not-object' };

const KEPT = ['count', 'run_id', 'reason', 'claimed', 'completed', 'retried', 'dead_lettered', 'path'] as const;
const MAX_STRING = 500;

export function parseLogLine(line: string, fallbackMs: number): ParsedLine {
  const text = line.trim();
  if (!text) return { ok: false, reason: 'blank' };
  if (text[0] !== '{') return { ok: false, reason: 'not-json' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not-json' };
  }
  return fromObject(value, fallbackMs);
}

/** One log record from any JSON value (a drain entry, a parsed line). */
export function fromObject(value: unknown, fallbackMs: number): ParsedLine {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'not-object' };
  let record = value as Record<string, unknown>;
  if (!('event' in record) && typeof record.message === 'string' && record.message.trim().startsWith('{')) {
    try {
      const inner: unknown = JSON.parse(record.message);
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) record = { timestamp: record.timestamp, ...(inner as Record<string, unknown>) };
    } catch {
      // the drain's own message was not JSON: keep the outer record
    }
  }
  const extra: Record<string, unknown> = {};
  for (const key of KEPT) if (key in record) extra[key] = clip(record[key]);
  return {
    ok: true,
    event: {
      tMs: timeOf(record.time ?? record.timestamp) ?? fallbackMs,
      event: typeof record.event === 'string' ? record.event.slice(0, 200) : null,
      level: typeof record.level === 'number' || typeof record.level === 'string' ? record.level : null,
      jobType: typeof record.job_type === 'string' ? record.job_type.slice(0, 100) : null,
      jobId: typeof record.job_id === 'number' || typeof record.job_id === 'string' ? record.job_id : null,
      attempt: typeof record.attempt === 'number' ? record.attempt : null,
      error: typeof record.error === 'string' ? record.error.slice(0, MAX_STRING) : null,
      extra,
    },
  };
}

/** pino writes epoch milliseconds by default, ISO strings with isoTime; drains use either. */
function timeOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function clip(value: unknown): unknown {
  return typeof value === 'string' ? value.slice(0, MAX_STRING) : value;
}

/** The event family: `background_job_cron.started` belongs to `background_job_cron`. */
export function familyOf(event: string): string {
  const dot = event.indexOf('.');
  return dot === -1 ? event : event.slice(0, dot);
}
