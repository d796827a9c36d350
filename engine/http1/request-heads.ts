import type { Route } from '../../scenarios/schema.ts';
import { VERSION } from '../../core/version.ts';

/** Methods that carry a body; they get `content-length: 0` when the route has none. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface Parts {
  /** "METHOD /base" up to where the route's path goes. */
  start: string;
  /** From " HTTP/1.1" through the fixed headers. */
  headers: string;
  /** The same without the route's own cookie header, for a user who has a session cookie. */
  headersForCookie: string;
  /** content-length, the blank line and the body. */
  end: string;
  session: boolean;
  noBody: boolean;
}

/**
 * The bytes of each request, prepared once per route so a request costs one string
 * concatenation: only the path (a page offset) and the user's cookie change per request.
 */
export class RequestHeads {
  private readonly parts: Parts[];

  constructor(routes: readonly Route[], target: URL, cronSecret: string | null) {
    const base = target.pathname.replace(/\/$/, '');
    const fixed = `host: ${target.host}\r\nuser-agent: drill/${VERSION}\r\n`;
    if (cronSecret && /[\r\n\0]/.test(cronSecret)) throw new Error('the cron secret holds a line break or NUL');
    this.parts = routes.map((route) => {
      // The engine's credentials replace a route's own header of the same name, as a
      // header object would: one Authorization, one Cookie.
      const cron = route.auth === 'cron' && cronSecret;
      const own = Object.entries(route.headers).filter(([name]) => !(cron && name.toLowerCase() === 'authorization'));
      const lines = (skip: string) => own.filter(([name]) => name.toLowerCase() !== skip).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      const auth = cron ? `authorization: Bearer ${cronSecret}\r\n` : '';
      const body = route.body === undefined ? '' : JSON.stringify(route.body);
      const length = body || BODY_METHODS.has(route.method) ? `content-length: ${Buffer.byteLength(body)}\r\n` : '';
      return {
        start: `${route.method} ${base}`,
        headers: ` HTTP/1.1\r\n${fixed}${lines('')}${auth}`,
        headersForCookie: ` HTTP/1.1\r\n${fixed}${lines('cookie')}${auth}`,
        end: `${length}\r\n${body}`,
        session: route.auth === 'session',
        noBody: route.method === 'HEAD',
      };
    });
  }

  /** The whole request for route `index` at `path`; `cookieLine` from cookieLine(), or ''. */
  build(index: number, path: string, cookieLine: string): string {
    const p = this.parts[index]!;
    return p.session && cookieLine ? p.start + path + p.headersForCookie + cookieLine + p.end : p.start + path + p.headers + p.end;
  }

  /** HEAD answers have no body, whatever their headers say. */
  noBody(index: number): boolean {
    return this.parts[index]!.noBody;
  }
}

/** The header line a session cookie travels in (built once per user, not per request). */
export function cookieLine(cookie: string | null): string {
  return cookie ? `cookie: ${cookie}\r\n` : '';
}
