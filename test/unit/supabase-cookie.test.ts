import { describe, expect, it } from 'vitest';
import { accessTokenFromCookies, authCookieName, encodeSessionCookie, type SupabaseSession } from '../../core/supabase-cookie.ts';

const session = (token: string, extra = ''): SupabaseSession => ({
  access_token: token, refresh_token: 'r', token_type: 'bearer', expires_in: 3600, expires_at: 1, user: { id: 'u', pad: extra },
});

describe('Supabase auth cookie', () => {
  it('round-trips a session through the base64- cookie', () => {
    const [pair] = encodeSessionCookie('abcref', session('tok-1'));
    expect(pair!.startsWith(`${authCookieName('abcref')}=base64-`)).toBe(true);
    expect(accessTokenFromCookies(`theme=dark; ${pair}`, 'abcref')).toBe('tok-1');
  });

  it('chunks a large session into .0, .1… and reads it back', () => {
    const pairs = encodeSessionCookie('abcref', session('tok-big', 'x'.repeat(5000)));
    expect(pairs.length).toBeGreaterThan(1);
    expect(pairs[0]).toMatch(/^sb-abcref-auth-token\.0=/);
    expect(accessTokenFromCookies(pairs.join('; '), 'abcref')).toBe('tok-big');
  });

  it('reads the older URL-encoded JSON and array forms', () => {
    expect(accessTokenFromCookies(`sb-abcref-auth-token=${encodeURIComponent(JSON.stringify(session('tok-2')))}`)).toBe('tok-2');
    expect(accessTokenFromCookies(`sb-abcref-auth-token=${encodeURIComponent(JSON.stringify(['tok-3', 'r']))}`)).toBe('tok-3');
  });

  it('finds nothing in unrelated or garbage cookies', () => {
    expect(accessTokenFromCookies('a=b; sb-abcref-auth-token=base64-!!!')).toBeNull();
    expect(accessTokenFromCookies(undefined)).toBeNull();
    expect(accessTokenFromCookies(encodeSessionCookie('other', session('t'))[0], 'abcref')).toBeNull();
  });
});
