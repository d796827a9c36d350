import type { QueueSnapshot } from '../../record/health.ts';

export const QUEUE_FIELDS = ['pending', 'retrying', 'processing', 'dead_letter', 'oldest_ready_at', 'oldest_ready_age_seconds'] as const;
const COUNT_FIELDS = ['pending', 'retrying', 'processing', 'dead_letter'] as const;
const HEALTHY_WORDS = new Set(['ok', 'healthy', 'pass', 'up']);

export interface ParsedHealth {
  /** null when the answer says nothing readable about health. */
  degraded: boolean | null;
  status: string | null;
  /** Each component the body reports under its components key, with its status word; null when it reports none. */
  components: Record<string, string> | null;
  queue: QueueSnapshot | null;
  /** Why the queue is missing or unusable (no bearer, malformed field…). */
  queueError: string | null;
  /** Why the whole answer is a failed sample (garbage body, unexpected status). */
  error: string | null;
}

/**
 * Reads a health answer the way the contract allows it to vary: 503 or a status word
 * other than ok/healthy is degraded; the six queue fields may sit at the top level or
 * under `queueKey`. Anything unreadable is an error string, never an exception.
 */
export function parseHealth(httpStatus: number, bodyText: string, queueKey: string | null, componentsKey: string | null = 'checks'): ParsedHealth {
  const result: ParsedHealth = { degraded: null, status: null, components: null, queue: null, queueError: null, error: null };
  if (httpStatus >= 400 && httpStatus < 500) {
    result.error = `unexpected HTTP ${httpStatus} from the health route`;
    return result;
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    result.degraded = httpStatus >= 500 ? true : null;
    result.error = `unreadable body (not JSON: ${preview(bodyText)})`;
    return result;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    result.degraded = httpStatus >= 500 ? true : null;
    result.error = `unreadable body (JSON ${Array.isArray(body) ? 'array' : typeof body}, expected an object)`;
    return result;
  }
  const object = body as Record<string, unknown>;
  const word = typeof object.status === 'string' ? object.status.toLowerCase() : null;
  result.status = word;
  result.degraded = httpStatus >= 500 || (word !== null && !HEALTHY_WORDS.has(word));
  result.components = componentsKey ? readComponents(object[componentsKey]) : null;
  const nested = queueKey ? object[queueKey] : undefined;
  const source = nested && typeof nested === 'object' && !Array.isArray(nested) ? (nested as Record<string, unknown>) : object;
  const present = QUEUE_FIELDS.filter((field) => field in source);
  if (present.length === 0) {
    result.queueError = 'no queue snapshot in the answer (is CRON_SECRET right?)';
    return result;
  }
  const parsed = readQueue(source);
  if (typeof parsed === 'string') result.queueError = parsed;
  else result.queue = parsed;
  return result;
}

/**
 * `{ database: { status: 'ok' }, worker: 'stopped' }` -> { database: 'ok', worker: 'stopped' }.
 * Entries without a status word are left out; a body that lists none has no components.
 */
function readComponents(value: unknown): Record<string, string> | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const out: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
    const word = typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? (entry as { status?: unknown }).status : undefined;
    if (typeof word === 'string' && word.length <= 40) out[name.slice(0, 60)] = word.toLowerCase();
  }
  return Object.keys(out).length ? out : null;
}

/** The components whose status word is not a healthy one. */
export function unhealthyComponents(components: Record<string, string> | null | undefined): string[] {
  return Object.entries(components ?? {})
    .filter(([, word]) => !HEALTHY_WORDS.has(word))
    .map(([name, word]) => `${name}: ${word}`);
}

function readQueue(source: Record<string, unknown>): QueueSnapshot | string {
  const missing = QUEUE_FIELDS.filter((field) => !(field in source));
  if (missing.length) return `queue snapshot incomplete: missing ${missing.join(', ')}`;
  for (const field of COUNT_FIELDS) {
    const value = source[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return `queue snapshot malformed: ${field} is ${shown(value)}`;
  }
  const age = source.oldest_ready_age_seconds;
  if (age !== null && (typeof age !== 'number' || !Number.isFinite(age) || age < 0)) {
    return `queue snapshot malformed: oldest_ready_age_seconds is ${shown(age)}`;
  }
  const at = source.oldest_ready_at;
  if (at !== null && (typeof at !== 'string' || Number.isNaN(Date.parse(at)))) {
    return `queue snapshot malformed: oldest_ready_at is ${shown(at)}`;
  }
  return {
    pending: source.pending as number,
    retrying: source.retrying as number,
    processing: source.processing as number,
    dead_letter: source.dead_letter as number,
    oldest_ready_at: at as string | null,
    oldest_ready_age_seconds: age as number | null,
  };
}

/** A field value as JSON, cut short: `"many"`, `-1`, `null`. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A short, single-line, printable preview of untrusted text for error messages. */
export function preview(text: string | undefined, max = 40): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = String(text ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (flat === '') return 'empty';
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
