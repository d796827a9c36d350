import { describeError } from '../core/errors.ts';

export interface ApiResult<T> {
  ok: boolean;
  status: number | null;
  body: T | null;
  /** Why the call did not give a usable answer: refused, 401/403, 429 after backing off… */
  error: string | null;
}

export interface SupabaseApiOptions {
  baseUrl: string;
  token: string;
  /** Longest single wait on X-RateLimit-Reset before retrying a 429. */
  maxBackoffMs: number;
  /** How many times a 429 is retried after its wait. */
  retries: number;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A read-only client for the Management API endpoints the cutover checks read. Rate
 * limits are honoured from the X-RateLimit-Reset header (seconds), never a hard-coded
 * number; answers are cached per path so several checks share one request.
 */
export class SupabaseApi {
  private readonly cache = new Map<string, Promise<ApiResult<unknown>>>();
  private readonly sleep: (ms: number) => Promise<void>;
  /** Every HTTP status seen, in order (evidence for rate-limit behaviour). */
  readonly log: { path: string; status: number | null; waitedMs?: number }[] = [];

  constructor(private readonly options: SupabaseApiOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get<T>(path: string): Promise<ApiResult<T>> {
    let pending = this.cache.get(path);
    if (!pending) {
      pending = this.fetchWithBackoff(path);
      this.cache.set(path, pending);
    }
    return pending as Promise<ApiResult<T>>;
  }

  private async fetchWithBackoff(path: string): Promise<ApiResult<unknown>> {
    for (let attempt = 0; ; attempt += 1) {
      let res: Response;
      try {
        res = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        this.log.push({ path, status: null });
        const cause = (error as { cause?: unknown }).cause;
        return { ok: false, status: null, body: null, error: `Management API unreachable (${describeError(cause ?? error)})` };
      }
      const text = await res.text();
      if (res.status === 429 && attempt < this.options.retries) {
        const resetS = Number(res.headers.get('x-ratelimit-reset'));
        const waitMs = Math.min(this.options.maxBackoffMs, Number.isFinite(resetS) && resetS > 0 ? resetS * 1000 : 1000);
        this.log.push({ path, status: 429, waitedMs: waitMs });
        await this.sleep(waitMs);
        continue;
      }
      this.log.push({ path, status: res.status });
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        return { ok: false, status: res.status, body: null, error: `Management API answered HTTP ${res.status} with a body that is not JSON` };
      }
      if (res.ok) return { ok: true, status: res.status, body, error: null };
      return { ok: false, status: res.status, body, error: explain(res.status, body) };
    }
  }
}

function explain(status: number, body: unknown): string {
  const message = body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : '';
  const why: Record<number, string> = {
    401: 'the access token was refused (401): check SUPABASE_ACCESS_TOKEN',
    403: 'the access token lacks permission for this project (403)',
    404: 'not found (404): check --supabase-project-ref',
    429: 'rate limited (429) even after backing off by X-RateLimit-Reset',
  };
  return `${why[status] ?? `Management API answered HTTP ${status}`}${message ? `: ${message}` : ''}`;
}
