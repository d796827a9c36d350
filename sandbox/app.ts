import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from './context.ts';
import { BodyError, redirect, sendHtml, sendJson } from './http/respond.ts';
import { adminApi, jobById } from './routes/admin-api.ts';
import { adminPages } from './routes/admin-pages.ts';
import { passwordGrant, sessionOf } from './routes/auth.ts';
import { control } from './routes/control.ts';
import { cron } from './routes/cron.ts';
import { health } from './routes/health.ts';

/**
 * The sandbox's request handler: control and Management API routes first (they are not
 * CE Pro's and never suffer injected faults), then the app's routes behind faults.
 */
export function createApp(ctx: SandboxContext) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const method = req.method ?? 'GET';
    try {
      if (url.pathname.startsWith('/__sandbox/')) return await control(ctx, req, res, url);
      if (ctx.supabase.handle(req, res, url)) return;

      // A capacity fault: every app route waits for a service slot first, health included
      // (a saturated server is slow to say it is healthy too).
      const service = ctx.faults.serve();
      if (service) await service;
      const effect = ctx.faults.effectFor(url.pathname);
      if (effect.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, effect.delayMs));
      if (effect.error) return sendJson(res, 500, { error: 'internal error (injected fault)' });

      if (url.pathname === '/api/health' && (method === 'GET' || method === 'HEAD')) return await health(ctx, req, res);
      if (url.pathname === '/api/cron/background-jobs' && (method === 'POST' || method === 'GET')) return await cron(ctx, req, res);
      if (url.pathname === '/auth/v1/token' && method === 'POST') return await passwordGrant(ctx, req, res, url);
      if (url.pathname === '/login') return sendHtml(res, 200, '<!doctype html><title>Sign in · CE Pro</title><h1>Sign in</h1>');

      const page = method === 'GET' ? adminPages[url.pathname] : undefined;
      const api = adminApi[`${method} ${url.pathname}`] ?? (method === 'GET' && /^\/api\/admin\/jobs\/\d+$/.test(url.pathname) ? jobById : undefined);
      if (page || api) {
        const session = await sessionOf(ctx, req);
        if (session instanceof Error) {
          if (page) return redirect(res, `/login?next=${encodeURIComponent(url.pathname)}`);
          return sendJson(res, 401, { error: session.reason === 'expired' ? 'session expired' : 'not signed in' });
        }
        if (page) return await page(ctx, session, res);
        return await api!(ctx, session, req, res, url);
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      if (error instanceof BodyError) return sendJson(res, 400, { error: error.message });
      ctx.log.error({ event: 'request.failed', path: url.pathname, error: (error as Error).message }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
}
