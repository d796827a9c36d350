import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from '../context.ts';
import { FaultParseError } from '../faults.ts';
import { hasBearer, readJson, sendJson } from '../http/respond.ts';
import type { FakeProject } from '../supabase-fake/state.ts';

/**
 * /__sandbox/*: change faults and the Management API fake's state while a drill runs.
 * Off (404) unless a control secret is configured; guarded by that secret alone.
 */
export async function control(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (!ctx.options.controlSecret) return sendJson(res, 404, { error: 'not found' });
  if (!hasBearer(req, ctx.options.controlSecret)) return sendJson(res, 401, { error: 'control secret required' });
  const path = url.pathname;
  if (path === '/__sandbox/faults') {
    try {
      if (req.method === 'POST') {
        const body = await readJson(req);
        const added = ctx.faults.add(String(body.fault ?? ''));
        ctx.log.info({ event: 'sandbox.fault_added', fault: body.fault, kind: added.kind }, 'fault injected');
      } else if (req.method === 'DELETE') {
        const fault = url.searchParams.get('fault');
        if (fault) ctx.faults.remove(fault);
        else ctx.faults.clear();
        ctx.log.info({ event: 'sandbox.fault_removed', fault: fault ?? 'all' }, 'fault removed');
      } else if (req.method !== 'GET') {
        return sendJson(res, 405, { error: 'use GET, POST or DELETE' });
      }
    } catch (error) {
      if (error instanceof FaultParseError) return sendJson(res, 400, { error: error.message });
      throw error;
    }
    return sendJson(res, 200, { faults: ctx.faults.list() });
  }
  const project = /^\/__sandbox\/supabase\/projects\/([a-z]+)$/.exec(path);
  if (project) {
    const ref = project[1]!;
    if (req.method === 'PATCH' || req.method === 'PUT') {
      const body = (await readJson(req, 1024 * 1024)) as Partial<FakeProject>;
      ctx.supabase.updateProject(ref, body);
    }
    const state = ctx.supabase.projects.get(ref);
    return state ? sendJson(res, 200, state) : sendJson(res, 404, { error: `no project ${ref}` });
  }
  sendJson(res, 404, { error: 'not found' });
}
