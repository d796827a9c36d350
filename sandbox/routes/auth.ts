import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyPassword } from '../auth/password.ts';
import type { AdminUser, SessionClaims } from '../auth/sessions.ts';
import { SessionError } from '../auth/sessions.ts';
import { accessTokenFromCookies } from '../../core/supabase-cookie.ts';
import type { SandboxContext } from '../context.ts';
import { bearerToken, readJson, sendJson } from '../http/respond.ts';

/** POST /auth/v1/token?grant_type=password|refresh_token, answering as GoTrue does. */
export async function passwordGrant(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const grant = url.searchParams.get('grant_type');
  if (grant === 'refresh_token') return refreshGrant(ctx, req, res);
  if (grant !== 'password') {
    return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'grant_type must be password or refresh_token' });
  }
  const body = await readJson(req);
  const email = typeof body.email === 'string' ? body.email.toLowerCase() : '';
  const password = typeof body.password === 'string' ? body.password : '';
  const [row] = await ctx.db.query<AdminUser & { password_hash: string }>(
    'select id, org_id, email, password_hash from admin_users where email = $1',
    [email],
  );
  if (!row || !verifyPassword(password, row.password_hash)) {
    ctx.log.warn({ event: 'admin_auth.failed', reason: 'invalid_credentials' }, 'sign-in failed');
    return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid login credentials' });
  }
  const session = await ctx.sessions.issue({ id: row.id, org_id: row.org_id, email: row.email });
  sendJson(res, 200, session);
}

/** The refresh-token grant: a spent or unknown token is GoTrue's 400 invalid_grant. */
async function refreshGrant(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const session = typeof body.refresh_token === 'string' ? await ctx.sessions.refresh(body.refresh_token) : null;
  if (!session) {
    ctx.log.warn({ event: 'admin_auth.failed', reason: 'invalid_refresh_token' }, 'refresh failed');
    return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid Refresh Token: Refresh Token Not Found' });
  }
  sendJson(res, 200, session);
}

/**
 * The signed-in admin for a request, from `Authorization: Bearer` or the
 * `sb-<ref>-auth-token` cookie; logs and returns the reason when there is none.
 */
export async function sessionOf(ctx: SandboxContext, req: IncomingMessage): Promise<SessionClaims | SessionError> {
  const token = bearerToken(req) ?? accessTokenFromCookies(req.headers.cookie, ctx.options.projectRef);
  try {
    if (ctx.faults.authExpired && token) throw new SessionError('expired');
    return await ctx.sessions.verify(token);
  } catch (error) {
    const reason = error instanceof SessionError ? error : new SessionError('invalid');
    ctx.log.warn({ event: 'admin_auth.failed', reason: reason.reason, path: new URL(req.url ?? '/', 'http://x').pathname }, 'admin request without a valid session');
    return reason;
  }
}
