import { describeError } from '../../core/errors.ts';
import { secrets } from '../../core/secrets.ts';
import { replaceSessionCookie, sessionFromCookies, type SupabaseSession } from '../../core/supabase-cookie.ts';

/** Where and how minted sessions are refreshed: the project's GoTrue and its anon key. */
export interface RefreshSpec {
  url: string;
  projectRef: string;
  anonKey: string;
}

/** What the record says of the run's sessions (results.sessions). */
export interface SessionsSummary {
  source: 'sign-in' | 'pool';
  count: number;
  /** Whether drill refreshed them before they expired (minted sessions only). */
  refresh: boolean;
  refreshed: number;
  refreshFailures: number;
  lastRefreshError: string | null;
  /** The earliest and latest expiry seen (ISO), from the sessions in the cookies; null when they hold no expiry. */
  earliestExpiry: string | null;
  latestExpiry: string | null;
}

/** The anon key may be refused, the project down: a refresh gets this long before it counts as failed. */
const REFRESH_TIMEOUT_MS = 5000;

/**
 * Keeps a pool of Supabase sessions alive for a run longer than their access tokens. Like
 * @supabase/ssr's middleware, a session is refreshed with the refresh-token grant before
 * it expires: within half its lifetime of the end, at most a minute ahead (supabase-js
 * refreshes within its expiry margin the same way). GoTrue rotates the refresh token, so
 * each session's next refresh uses the token the last one returned.
 *
 * Without a spec (a cookie pool from a file, whose project drill does not know) nothing is
 * refreshed; the expiries are still read, so a run whose pool expires says so.
 */
export class SessionRefresher {
  private readonly current: string[];
  private readonly sessions: (SupabaseSession | null)[];
  private readonly expiries: number[];
  private version = 0;
  private applied = -1;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<number>();
  private refreshed = 0;
  private failures = 0;
  private lastError: string | null = null;

  constructor(
    cookies: readonly string[],
    private readonly spec: RefreshSpec | null,
    private readonly source: SessionsSummary['source'],
    private readonly now: () => number = Date.now,
  ) {
    this.current = [...cookies];
    this.sessions = cookies.map((c) => sessionFromCookies(c, spec?.projectRef)?.session ?? null);
    this.expiries = this.sessions.filter((s): s is SupabaseSession => s !== null).map((s) => s.expires_at * 1000);
  }

  get enabled(): boolean {
    return this.spec !== null && this.sessions.some((s) => s !== null);
  }

  /** Checks every half second (a 5 s token needs a refresh every couple of seconds). */
  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  cookies(): string[] {
    return [...this.current];
  }

  /** Hands refreshed cookies to the load engine, once per change. */
  apply(engine: { setCookies(cookies: string[]): void }): void {
    if (this.applied === this.version) return;
    if (this.applied === -1 && this.version === 0) {
      this.applied = 0;
      return;
    }
    this.applied = this.version;
    engine.setCookies(this.cookies());
  }

  /** Due: the session's end is nearer than half its lifetime, or a minute. */
  private due(session: SupabaseSession, nowMs: number): boolean {
    const lifetimeMs = Math.max(1000, session.expires_in * 1000);
    return session.expires_at * 1000 - nowMs <= Math.min(60_000, lifetimeMs / 2);
  }

  private tick(): void {
    const nowMs = this.now();
    this.sessions.forEach((session, i) => {
      if (session && !this.inFlight.has(i) && this.due(session, nowMs)) void this.refresh(i, session);
    });
  }

  private async refresh(i: number, session: SupabaseSession): Promise<void> {
    const spec = this.spec!;
    this.inFlight.add(i);
    try {
      const res = await fetch(`${spec.url.replace(/\/+$/, '')}/auth/v1/token?grant_type=refresh_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: spec.anonKey, authorization: `Bearer ${spec.anonKey}` },
        body: JSON.stringify({ refresh_token: session.refresh_token }),
        signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
      });
      const body = (await res.json().catch(() => null)) as (SupabaseSession & { error_description?: string; error?: string; msg?: string }) | null;
      if (!res.ok || !body?.access_token || !body.refresh_token) {
        throw new Error(`HTTP ${res.status}${body?.error_description || body?.msg || body?.error ? `: ${body.error_description ?? body.msg ?? body.error}` : ''}`);
      }
      secrets.add(body.access_token);
      secrets.add(body.refresh_token);
      const next: SupabaseSession = { ...session, ...body, expires_at: body.expires_at ?? Math.floor(this.now() / 1000) + body.expires_in };
      this.sessions[i] = next;
      this.current[i] = replaceSessionCookie(this.current[i]!, spec.projectRef, next);
      this.expiries.push(next.expires_at * 1000);
      this.refreshed += 1;
      this.version += 1;
    } catch (error) {
      this.failures += 1;
      // Never the token: the message is the status and GoTrue's words.
      this.lastError = `session ${i + 1}: ${describeError(error)}`;
    } finally {
      this.inFlight.delete(i);
    }
  }

  summary(): SessionsSummary {
    const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
    return {
      source: this.source,
      count: this.current.length,
      refresh: this.enabled,
      refreshed: this.refreshed,
      refreshFailures: this.failures,
      lastRefreshError: this.lastError,
      earliestExpiry: iso(this.expiries.length ? Math.min(...this.expiries) : undefined),
      latestExpiry: iso(this.expiries.length ? Math.max(...this.expiries) : undefined),
    };
  }
}
