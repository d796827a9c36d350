import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannotRunError, UsageError } from '../core/errors.ts';
import { SANDBOX_ADMIN_PASSWORD, adminEmail } from '../sandbox/db/seed.ts';
import { mintSessionCookies, projectRefOf } from '../scenarios/sessions/mint.ts';
import { readCookiePool } from '../scenarios/sessions/pool.ts';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { startTestSandbox } from './helpers/sandbox.ts';

let database: TestDatabase;
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;

beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startTestSandbox({ databaseUrl: database.url });
});
afterAll(async () => {
  await sandbox?.stop();
  await database?.drop();
});

describe('sessions minted with supabase-js signInWithPassword', () => {
  const spec = () => ({
    url: sandbox.url,
    projectRef: sandbox.options.projectRef,
    emails: [adminEmail(1), adminEmail(2)],
    anonKeyEnv: 'SUPABASE_ANON_KEY',
    passwordEnv: 'DRILL_USER_PASSWORD',
    sessions: 3,
  });

  it('signs each user in and forms a working sb-<ref>-auth-token cookie per session', async () => {
    const cookies = await mintSessionCookies(spec(), { DRILL_USER_PASSWORD: SANDBOX_ADMIN_PASSWORD, SUPABASE_ANON_KEY: 'anon-key-for-test' });
    expect(cookies).toHaveLength(3);
    expect(new Set(cookies).size).toBe(3);
    for (const cookie of cookies) {
      expect(cookie).toMatch(new RegExp(`^sb-${sandbox.options.projectRef}-auth-token=base64-`));
      expect((await fetch(`${sandbox.url}/api/admin/tags`, { headers: { cookie } })).status).toBe(200);
    }
  });

  it('says which variable to set, and names the user whose sign-in failed', async () => {
    await expect(mintSessionCookies(spec(), {})).rejects.toThrow(UsageError);
    await expect(mintSessionCookies(spec(), {})).rejects.toThrow(/set DRILL_USER_PASSWORD/);
    const wrong = await mintSessionCookies(spec(), { DRILL_USER_PASSWORD: 'not-the-password' }).catch((e) => e);
    expect(wrong).toBeInstanceOf(CannotRunError);
    expect(wrong.message).toMatch(new RegExp(`${adminEmail(1)} could not sign in`));
    expect(wrong.message).not.toContain('not-the-password');
  });

  it('derives the project ref from a supabase.co URL, and asks for it otherwise', () => {
    expect(projectRefOf({ url: 'https://abcdefgh.supabase.co' })).toBe('abcdefgh');
    expect(() => projectRefOf({ url: 'http://127.0.0.1:3999' })).toThrow(/projectRef: required/);
  });
});

describe('cookie pool files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-pool-'));
  const file = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), name);

  it('reads lines (skipping comments and blanks, tolerating a Cookie: prefix) and JSON', () => {
    expect(readCookiePool(dir, file('a.txt', '# pool\n\nsb-x-auth-token=aaa\nCookie: sb-x-auth-token=bbb; theme=dark\n'))).toEqual([
      'sb-x-auth-token=aaa',
      'sb-x-auth-token=bbb; theme=dark',
    ]);
    expect(readCookiePool(dir, file('b.json', '["sb-x-auth-token=c", {"cookie": "sb-x-auth-token=d"}]'))).toEqual(['sb-x-auth-token=c', 'sb-x-auth-token=d']);
  });

  it.each([
    ['an empty file', '\n# nothing\n', /holds no cookies/],
    ['a bad line', 'sb-x-auth-token=ok\nnot a cookie at all\n', /line 2 is not a Cookie header/],
    ['bad JSON', '[oops', /not valid JSON/],
    ['a bad JSON entry', '[1]', /entry 1 is not a Cookie header/],
  ])('refuses %s without echoing cookie values', (_, text, message) => {
    const name = file(`bad-${Math.random()}.txt`, text);
    expect(() => readCookiePool(dir, name)).toThrow(message);
  });
});
