import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CannotRunError, UsageError, describeError } from '../../core/errors.ts';
import { secrets } from '../../core/secrets.ts';

/** A Cookie header: `name=value` pairs separated by `; `. */
const COOKIE_HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[^;\s]*(; ?[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[^;\s]*)*;?$/;
/** Registering every cookie of a 10,000-session pool would slow each write; patterns cover sb-* cookies. */
const REGISTER_AT_MOST = 200;

/**
 * Reads a cookie pool: one Cookie header per line (blank lines and # comments skipped),
 * or a JSON array of strings or { "cookie": "…" }. A bad entry is named by its position,
 * never by its value: the file is full of live sessions.
 */
export function readCookiePool(cwd: string, file: string): string[] {
  const full = path.resolve(cwd, file);
  if (!existsSync(full)) throw new UsageError(`--cookies: no such file ${file}; write one with drill sandbox --write-cookie-pool FILE`);
  if (!statSync(full).isFile()) throw new UsageError(`--cookies: ${file} is a directory, not a pool file; pass the file drill sandbox --write-cookie-pool wrote`);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new UsageError(`--cookies: cannot read ${file} (${describeError(error)})`);
  }
  const shown = path.basename(full);
  return registered(parseCookiePool(text, shown), shown);
}

/** The text of a pool file, in either format drill writes; `shown` names it in errors. */
export function parseCookiePool(text: string, shown: string): string[] {
  const body = text.replace(/^\uFEFF/, '');
  return body.trimStart().startsWith('[') ? fromJson(body, shown) : fromLines(body, shown);
}

/** Cookie headers given as a list (the library's `cookies` option), checked like a pool file's. */
export function cookiesFromList(list: readonly string[], shown: string): string[] {
  return registered(
    list.map((cookie, i) => {
      if (typeof cookie !== 'string' || !COOKIE_HEADER.test(cookie.trim())) throw new UsageError(`${shown}: entry ${i + 1} is not a Cookie header (name=value; name2=value2)`);
      return cookie.trim();
    }),
    shown,
  );
}

function registered(cookies: string[], shown: string): string[] {
  if (cookies.length === 0) throw new UsageError(`--cookies: ${shown} holds no cookies; one Cookie header per line`);
  cookies.slice(0, REGISTER_AT_MOST).forEach((cookie) => secrets.add(cookie));
  return cookies;
}

function fromLines(text: string, shown: string): string[] {
  const cookies: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim().replace(/^cookie:\s*/i, '');
    if (!line || line.startsWith('#')) return;
    if (!COOKIE_HEADER.test(line)) throw new UsageError(`--cookies: ${shown} line ${i + 1} is not a Cookie header (name=value; name2=value2)`);
    cookies.push(line);
  });
  return cookies;
}

function fromJson(text: string, shown: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--cookies: ${shown} starts like JSON but is not valid JSON`);
  }
  return (value as unknown[]).map((entry, i) => {
    const cookie = typeof entry === 'string' ? entry : (entry as { cookie?: unknown } | null)?.cookie;
    if (typeof cookie !== 'string' || !COOKIE_HEADER.test(cookie.trim())) {
      throw new UsageError(`--cookies: ${shown} entry ${i + 1} is not a Cookie header string or { "cookie": "…" }`);
    }
    return cookie.trim();
  });
}

/** A pool file as `drill sandbox --write-cookie-pool` writes it: one Cookie header per line. */
export function formatCookiePool(cookies: readonly string[]): string {
  return `${cookies.join('\n')}\n`;
}

/** Writes a pool file readable by its owner only; an unwritable path is one line, exit 3. */
export function writeCookiePool(file: string, cookies: readonly string[]): void {
  try {
    writeFileSync(file, formatCookiePool(cookies), { mode: 0o600 });
  } catch (error) {
    throw new CannotRunError(`--write-cookie-pool: cannot write ${file} (${describeError(error)}); choose a writable file path`, 'E_POOL_UNWRITABLE');
  }
}
