import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionClaims } from '../auth/sessions.ts';
import type { SandboxContext } from '../context.ts';
import { readJson, sendJson } from '../http/respond.ts';
import { JOB_TYPES, enqueue } from '../queue.ts';

export type AdminApiHandler = (ctx: SandboxContext, session: SessionClaims, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** limit 1..100 (default 25) and offset >= 0, or a 400 naming the parameter. */
function paging(url: URL): { limit: number; offset: number } | string {
  const limit = Number(url.searchParams.get('limit') ?? 25);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return 'limit must be a whole number from 1 to 100';
  if (!Number.isInteger(offset) || offset < 0) return 'offset must be a whole number of at least 0';
  return { limit, offset };
}

function pagedList(table: 'invoices' | 'background_jobs', columns: string, order: string): AdminApiHandler {
  return async (ctx, session, _req, res, url) => {
    const page = paging(url);
    if (typeof page === 'string') return sendJson(res, 400, { error: page });
    const [rows, [count]] = await Promise.all([
      ctx.db.query(`select ${columns} from ${table} where org_id = $1 order by ${order} limit $2 offset $3`, [
        session.org_id,
        page.limit,
        page.offset,
      ]),
      ctx.db.query<{ total: number }>(`select count(*)::int as total from ${table} where org_id = $1`, [session.org_id]),
    ]);
    sendJson(res, 200, { data: rows, total: count?.total ?? 0, limit: page.limit, offset: page.offset });
  };
}

function orgList(table: 'services' | 'lead_sources' | 'tags', columns: string): AdminApiHandler {
  return async (ctx, session, _req, res) => {
    const rows = await ctx.db.query(`select ${columns} from ${table} where org_id = $1 order by name`, [session.org_id]);
    sendJson(res, 200, { data: rows });
  };
}

/** POST /api/admin/campaigns/send: the job-enqueue hot path (one campaign_batch job per batch). */
const sendCampaign: AdminApiHandler = async (ctx, session, req, res) => {
  const body = await readJson(req);
  const recipients = body.recipients ?? 100;
  const batchSize = body.batch_size ?? 50;
  if (!Number.isInteger(recipients) || (recipients as number) < 1 || (recipients as number) > 100_000) {
    return sendJson(res, 400, { error: 'recipients must be a whole number from 1 to 100000' });
  }
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1 || (batchSize as number) > 1000) {
    return sendJson(res, 400, { error: 'batch_size must be a whole number from 1 to 1000' });
  }
  const campaignId = typeof body.campaign_id === 'string' ? body.campaign_id : `cmp_${Date.now().toString(36)}`;
  const batches = Math.ceil((recipients as number) / (batchSize as number));
  const ids = await enqueue(
    ctx.db,
    Array.from({ length: batches }, (_, i) => ({
      jobType: 'campaign_batch',
      orgId: session.org_id,
      payload: { campaign_id: campaignId, batch: i, from: i * (batchSize as number), size: batchSize },
      maxAttempts: ctx.options.maxAttempts,
    })),
  );
  sendJson(res, 202, { campaign_id: campaignId, enqueued: ids.length, job_ids: ids });
};

/** POST /api/admin/jobs: enqueue one job of any type (canaries use this). */
const enqueueJob: AdminApiHandler = async (ctx, session, req, res) => {
  const body = await readJson(req);
  const jobType = body.job_type;
  if (typeof jobType !== 'string' || !(JOB_TYPES as readonly string[]).includes(jobType)) {
    return sendJson(res, 400, { error: `job_type must be one of ${JOB_TYPES.join(', ')}` });
  }
  const payload = body.payload && typeof body.payload === 'object' ? (body.payload as Record<string, unknown>) : {};
  const [id] = await enqueue(ctx.db, [{ jobType, orgId: session.org_id, payload, maxAttempts: ctx.options.maxAttempts }]);
  sendJson(res, 202, { job_id: id });
};

/** GET /api/admin/jobs/:id: one job's state, so a canary can be followed to completion. */
export const jobById: AdminApiHandler = async (ctx, session, _req, res, url) => {
  const id = Number(url.pathname.split('/').pop());
  if (!Number.isInteger(id)) return sendJson(res, 400, { error: 'job id must be a number' });
  const [row] = await ctx.db.query(
    'select id::int, job_type, status, attempts, last_error, created_at, completed_at from background_jobs where id = $1 and org_id = $2',
    [id, session.org_id],
  );
  if (!row) return sendJson(res, 404, { error: 'job not found' });
  sendJson(res, 200, { data: row });
};

export const adminApi: Record<string, AdminApiHandler> = {
  'GET /api/admin/jobs': pagedList('background_jobs', 'id::int, job_type, status, attempts, run_at, created_at', 'created_at desc, id desc'),
  'GET /api/admin/invoices': pagedList('invoices', 'id::int, number, customer_name, amount_cents, status, issued_at', 'issued_at desc, id desc'),
  'GET /api/admin/services': orgList('services', 'id::int, name, price_cents, active'),
  'GET /api/admin/lead-sources': orgList('lead_sources', 'id::int, name'),
  'GET /api/admin/tags': orgList('tags', 'id::int, name, color'),
  'POST /api/admin/campaigns/send': sendCampaign,
  'POST /api/admin/jobs': enqueueJob,
};
