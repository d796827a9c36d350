import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { CannotRunError, UsageError } from '../../core/errors.ts';
import { secrets } from '../../core/secrets.ts';
import { encodeSessionCookie, type SupabaseSession } from '../../core/supabase-cookie.ts';

export interface SignInSpec {
  url: string;
  projectRef?: string;
  emails: string[];
  anonKeyEnv: string;
  passwordEnv: string;
  sessions?: number;
}

/** `abcd` from https://abcd.supabase.co; otherwise the config must name it. */
export function projectRefOf(spec: Pick<SignInSpec, 'url' | 'projectRef'>): string {
  if (spec.projectRef) return spec.projectRef;
  const match = /^([a-z0-9]+)\.supabase\.co$/.exec(new URL(spec.url).hostname);
  if (!match) throw new UsageError('stress.signIn.projectRef: required when the URL is not https://<ref>.supabase.co');
  return match[1]!;
}

/**
 * Signs test users in with supabase-js (`signInWithPassword`), as the browser would, and
 * forms Supabase's `sb-<ref>-auth-token` cookie for each session. Passwords and the anon
 * key come from the environment only.
 */
export async function mintSessionCookies(spec: SignInSpec, env: NodeJS.ProcessEnv): Promise<string[]> {
  const password = env[spec.passwordEnv];
  if (!password) throw new UsageError(`stress.signIn: set ${spec.passwordEnv} to the test users' password`);
  const anonKey = env[spec.anonKeyEnv] ?? 'anon';
  secrets.add(password);
  secrets.add(anonKey);
  const ref = projectRefOf(spec);
  const count = spec.sessions ?? spec.emails.length;
  const cookies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const email = spec.emails[i % spec.emails.length]!;
    const client = createClient(spec.url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no global WebSocket; supabase-js's documented answer is the ws package.
      // The realtime client is never connected here, only constructed.
      realtime: { transport: WebSocket as never },
    });
    const { data, error } = await client.auth.signInWithPassword({ email, password });
    if (error || !data.session) {
      throw new CannotRunError(`stress.signIn: ${email} could not sign in (${error?.message ?? 'no session returned'})`, 'E_SIGN_IN');
    }
    const cookie = encodeSessionCookie(ref, data.session as unknown as SupabaseSession).join('; ');
    secrets.add(data.session.access_token);
    cookies.push(cookie);
  }
  return cookies;
}
