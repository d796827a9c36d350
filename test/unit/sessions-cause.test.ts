import { describe, expect, it } from 'vitest';
import { encodeSessionCookie, replaceSessionCookie, sessionFromCookies } from '../../core/supabase-cookie.ts';
import { authCauseCheck } from '../../runs/stress.ts';
import { SessionRefresher } from '../../scenarios/sessions/refresh.ts';

const session = (expiresAt: number) => ({ access_token: 'a.b.c', refresh_token: 'r1', token_type: 'bearer' as const, expires_in: 5, expires_at: expiresAt, user: {} });

describe('cookie-pool sessions that start to fail: auth failures with their cause', () => {
  const start = Date.parse('2026-12-02T05:00:00Z');
  const pool = [`theme=dark; ${encodeSessionCookie('ref', session(start / 1000 + 5))[0]}`, encodeSessionCookie('ref', session(start / 1000 + 7))[0]!];

  it('reads each session and its expiry from the cookie, and keeps the other cookies when one is replaced', () => {
    expect(sessionFromCookies(pool[0], 'ref')!.session.expires_at).toBe(start / 1000 + 5);
    const replaced = replaceSessionCookie(pool[0]!, 'ref', session(start / 1000 + 99));
    expect(replaced.startsWith('theme=dark; sb-ref-auth-token=')).toBe(true);
    expect(sessionFromCookies(replaced, 'ref')!.session.expires_at).toBe(start / 1000 + 99);
  });

  it('a pool that expired during the load is named as the cause; with no failures the check passes', () => {
    const summary = new SessionRefresher(pool, null, 'pool').summary();
    expect(summary).toMatchObject({ source: 'pool', refresh: false, earliestExpiry: new Date(start + 5000).toISOString() });
    const failing = authCauseCheck(summary, 120, start, start + 20_000);
    expect(failing.status).toBe('warn');
    expect(failing.summary).toBe(`120 auth failures: the sessions expired 5s into the load (${new Date(start + 5000).toISOString()}); a cookie pool is not refreshed: mint one that outlives the run, or use stress.signIn (refreshed)`);
    expect(authCauseCheck(summary, 0, start, start + 20_000)).toMatchObject({ status: 'pass' });
  });

  it('failures while the sessions were still valid are the app refusing them, and say so', () => {
    const summary = new SessionRefresher(pool, null, 'pool').summary();
    expect(authCauseCheck(summary, 3, start - 60_000, start - 30_000).summary).toMatch(/the app refused sessions that had not expired/);
  });
});
