/**
 * Supabase's browser session cookie, as @supabase/ssr writes it: `sb-<ref>-auth-token`
 * holding `base64-` + base64url(JSON session), split into `.0`, `.1`… chunks when the
 * encoded value passes 3180 characters. Older clients stored URL-encoded JSON (an
 * object, or an array whose first item is the access token); all forms are read.
 */
export const COOKIE_CHUNK_SIZE = 3180;

export interface SupabaseSession {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  user: Record<string, unknown>;
}

export function authCookieName(projectRef: string): string {
  return `sb-${projectRef}-auth-token`;
}

/** The `name=value` pairs for one session (one pair unless the session is large). */
export function encodeSessionCookie(projectRef: string, session: SupabaseSession): string[] {
  const name = authCookieName(projectRef);
  const value = `base64-${Buffer.from(JSON.stringify(session)).toString('base64url')}`;
  if (value.length <= COOKIE_CHUNK_SIZE) return [`${name}=${value}`];
  const parts: string[] = [];
  for (let i = 0; i * COOKIE_CHUNK_SIZE < value.length; i += 1) {
    parts.push(`${name}.${i}=${value.slice(i * COOKIE_CHUNK_SIZE, (i + 1) * COOKIE_CHUNK_SIZE)}`);
  }
  return parts;
}

export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/**
 * Finds the access token in a Cookie header. With no `projectRef`, any
 * `sb-*-auth-token` cookie is taken, as CE Pro has one project per deployment.
 */
export function accessTokenFromCookies(header: string | undefined, projectRef?: string): string | null {
  const found = authCookieValue(header, projectRef);
  return found ? found.token : null;
}

/**
 * The whole session in a Cookie header (refresh token and expiry included), as
 * @supabase/ssr stores it; null when the cookie holds only a token or nothing readable.
 */
export function sessionFromCookies(header: string | undefined, projectRef?: string): { name: string; session: SupabaseSession } | null {
  const found = authCookieValue(header, projectRef);
  return found?.session ? { name: found.name, session: found.session } : null;
}

/** A Cookie header with its auth cookie (every chunk) replaced by `session`'s; other cookies kept. */
export function replaceSessionCookie(header: string, projectRef: string, session: SupabaseSession): string {
  const name = authCookieName(projectRef);
  const kept = header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && !new RegExp(`^${name}(?:\\.\\d+)?=`).test(p));
  return [...kept, ...encodeSessionCookie(projectRef, session)].join('; ');
}

function authCookieValue(header: string | undefined, projectRef?: string): { name: string; token: string; session: SupabaseSession | null } | null {
  const cookies = parseCookieHeader(header);
  const names = new Set<string>();
  for (const key of cookies.keys()) {
    const match = /^(sb-[a-z0-9]+-auth-token)(?:\.\d+)?$/.exec(key);
    if (match && (!projectRef || match[1] === authCookieName(projectRef))) names.add(match[1]!);
  }
  for (const name of names) {
    let value = cookies.get(name);
    if (value === undefined) {
      const chunks: string[] = [];
      for (let i = 0; cookies.has(`${name}.${i}`); i += 1) chunks.push(cookies.get(`${name}.${i}`)!);
      value = chunks.join('');
    }
    const decoded = decodeCookieValue(value);
    if (decoded) return { name, ...decoded };
  }
  return null;
}

function decodeCookieValue(raw: string): { token: string; session: SupabaseSession | null } | null {
  try {
    const text = raw.startsWith('base64-')
      ? Buffer.from(raw.slice('base64-'.length), 'base64url').toString('utf8')
      : decodeURIComponent(raw);
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return typeof parsed[0] === 'string' ? { token: parsed[0], session: null } : null;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { access_token?: unknown }).access_token === 'string') {
      const session = parsed as SupabaseSession;
      return { token: session.access_token, session: typeof session.refresh_token === 'string' && typeof session.expires_at === 'number' ? session : null };
    }
  } catch {
    // Not a session cookie we can read: treated as no session.
  }
  return null;
}
