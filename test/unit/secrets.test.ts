import { describe, expect, it } from 'vitest';
import { SecretRegistry, redactUrlPasswords } from '../../core/secrets.ts';

describe('SecretRegistry', () => {
  it('redacts registered values, their URL-encoded form and a DB URL password', () => {
    const registry = new SecretRegistry();
    registry.add('postgres://app:p@ss/word!@db.example.co:5432/app');
    registry.add('sbp_0123456789abcdef');
    const text = 'url=postgres://app:p@ss/word!@db.example.co:5432/app token=sbp_0123456789abcdef enc=' + encodeURIComponent('sbp_0123456789abcdef');
    const out = registry.redact(text);
    expect(out).not.toContain('sbp_0123456789abcdef');
    expect(out).not.toContain('p@ss/word!');
    expect(out).toContain('[redacted]');
  });

  it('reads the secret environment variables only', () => {
    const registry = new SecretRegistry();
    registry.addFromEnv({ CRON_SECRET: 'cron-secret-123', HOME: '/root', SUPABASE_ACCESS_TOKEN: 'sbp_tok_456' });
    expect(registry.redact('a cron-secret-123 b sbp_tok_456 /root')).toBe('a [redacted] b [redacted] /root');
  });

  it('ignores values too short to redact safely', () => {
    const registry = new SecretRegistry();
    registry.add('ab');
    expect(registry.redact('about')).toBe('about');
  });

  it('redactDeep covers nested values and keys', () => {
    const registry = new SecretRegistry();
    registry.add('topsecret');
    expect(registry.redactDeep({ a: ['x topsecret'], topsecret: 1 })).toEqual({ a: ['x [redacted]'], '[redacted]': 1 });
  });
});

describe('redactUrlPasswords', () => {
  it('masks passwords in any connection URL, registered or not', () => {
    expect(redactUrlPasswords('connect postgresql://u:hunter22@h:5432/db failed')).toBe('connect postgresql://u:[redacted]@h:5432/db failed');
    expect(redactUrlPasswords('http://127.0.0.1:3999/api')).toBe('http://127.0.0.1:3999/api');
  });

  it('masks session cookies, bearer tokens and JWTs by their shape', () => {
    expect(redactUrlPasswords('Cookie: sb-abc-auth-token=base64-eyJhY2Nlc3M; theme=dark')).toBe('Cookie: sb-abc-auth-token=[redacted]; theme=dark');
    expect(redactUrlPasswords('authorization: Bearer sbp_abcdef0123456789')).toBe('authorization: Bearer [redacted]');
    expect(redactUrlPasswords('token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJlXw end')).toBe('token [redacted] end');
  });
});
