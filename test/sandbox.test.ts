import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectPostgres, type Db } from '../sandbox/db/db.ts';
import { snapshot } from '../sandbox/queue.ts';
import { SANDBOX_ADMIN_PASSWORD, adminEmail } from '../sandbox/db/seed.ts';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { TEST_CONTROL_SECRET, TEST_CRON_SECRET, eventually, startTestSandbox } from './helpers/sandbox.ts';

let database: TestDatabase;
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
let cookie: string;
const bearer = { authorization: `Bearer ${TEST_CRON_SECRET}` };

beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startTestSandbox({ databaseUrl: database.url });
  [cookie] = await sandbox.mintCookies(1) as [string];
});

afterAll(async () => {
  await sandbox?.stop();
  await database?.drop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${sandbox.url}${path}`, { headers, redirect: 'manual' });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

async function clearFaults() {
  sandbox.faults.clear();
}

describe('health', () => {
  it('public GET is 200 with no queue data', async () => {
    const res = await get('/api/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect(body).not.toHaveProperty('queue');
  });

  it('a wrong secret gets the public body', async () => {
    const body = await (await get('/api/health', { authorization: 'Bearer wrong-secret-value' })).json();
    expect(body).not.toHaveProperty('queue');
  });

  it('with the cron bearer returns all six snapshot fields, matching SQL', async () => {
    const body = await (await get('/api/health', bearer)).json();
    expect(Object.keys(body.queue).sort()).toEqual(
      ['dead_letter', 'oldest_ready_age_seconds', 'oldest_ready_at', 'pending', 'processing', 'retrying'].sort(),
    );
    const sql = await snapshot(sandbox.db);
    expect(body.queue.dead_letter).toBe(sql.dead_letter);
    expect(body.queue.pending + body.queue.retrying).toBe(sql.pending + sql.retrying);
  });

  it('HEAD is 200 with no body', async () => {
    const res = await fetch(`${sandbox.url}/api/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('the degraded fault answers 503 and logs health_check.degraded', async () => {
    sandbox.faults.add('degraded');
    try {
      const res = await get('/api/health');
      expect(res.status).toBe(503);
      expect((await res.json()).status).toBe('degraded');
      expect((await fetch(`${sandbox.url}/api/health`, { method: 'HEAD' })).status).toBe(503);
      expect(sandbox.logEvents().some((e) => e.event === 'health_check.degraded')).toBe(true);
    } finally {
      await clearFaults();
    }
  });
});

describe('sessions and admin routes', () => {
  it('admin API is 401 without a session and 200 with a pool cookie', async () => {
    expect((await get('/api/admin/jobs')).status).toBe(401);
    const res = await get('/api/admin/invoices?limit=25&offset=50', { cookie });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(25);
    expect(body.total).toBe(300);
    expect(body.offset).toBe(50);
  });

  it('every admin API in the route mix answers with a session', async () => {
    for (const path of ['/api/admin/jobs?limit=25&offset=0', '/api/admin/services', '/api/admin/lead-sources', '/api/admin/tags']) {
      const res = await get(path, { cookie });
      expect(res.status, path).toBe(200);
      expect(Array.isArray((await res.json()).data), path).toBe(true);
    }
  });

  it('pages redirect to sign-in without a session and render with one', async () => {
    const anonymous = await get('/admin/jobs');
    expect(anonymous.status).toBe(307);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fadmin%2Fjobs');
    for (const path of ['/admin', '/admin/jobs', '/admin/invoices']) {
      const res = await get(path, { cookie });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<table>');
    }
  });

  it('rejects bad paging with 400 naming the parameter', async () => {
    const res = await get('/api/admin/jobs?limit=1000', { cookie });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/limit/);
  });

  it('signs in with the GoTrue password grant; the token works as a bearer', async () => {
    const res = await post('/auth/v1/token?grant_type=password', { email: adminEmail(2), password: SANDBOX_ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const session = await res.json();
    expect(session).toMatchObject({ token_type: 'bearer', user: { email: adminEmail(2), aud: 'authenticated' } });
    expect((await get('/api/admin/tags', { authorization: `Bearer ${session.access_token}` })).status).toBe(200);
    const wrong = await post('/auth/v1/token?grant_type=password', { email: adminEmail(2), password: 'nope' });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toBe('invalid_grant');
  });

  it('a token whose claims were altered is refused', async () => {
    const res = await post('/auth/v1/token?grant_type=password', { email: adminEmail(1), password: SANDBOX_ADMIN_PASSWORD });
    const { access_token: token } = await res.json();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.app_metadata.org_id = '00000000-0000-0000-0000-000000000000';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect((await get('/api/admin/tags', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get('/api/admin/tags', { authorization: `Bearer ${forged}` })).status).toBe(401);
  });

  it('auth-expired turns valid sessions into 401s and logs admin_auth.failed', async () => {
    sandbox.faults.add('auth-expired');
    try {
      const res = await get('/api/admin/tags', { cookie });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe('session expired');
      expect(sandbox.logEvents().some((e) => e.event === 'admin_auth.failed' && e.reason === 'expired')).toBe(true);
    } finally {
      await clearFaults();
    }
    expect((await get('/api/admin/tags', { cookie })).status).toBe(200);
  });
});

describe('jobs through the worker cron', () => {
  it('an enqueued campaign is completed by the cron', async () => {
    const res = await post('/api/admin/campaigns/send', { recipients: 120, batch_size: 50 }, { cookie });
    expect(res.status).toBe(202);
    const { job_ids: ids } = await res.json();
    expect(ids).toHaveLength(3);
    await eventually(async () => {
      const rows = await sandbox.db.query<{ status: string }>('select status from background_jobs where id = any($1)', [ids]);
      return rows.every((r) => r.status === 'completed');
    });
    expect(sandbox.logEvents().filter((e) => e.event === 'campaign_batch.sent').length).toBeGreaterThanOrEqual(3);
    expect(sandbox.logEvents().some((e) => e.event === 'background_job_cron.finished')).toBe(true);
  });

  it('the cron route needs the bearer and runs a batch', async () => {
    expect((await post('/api/cron/background-jobs', {})).status).toBe(401);
    const res = await post('/api/cron/background-jobs', {}, bearer);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('job-fails drives dead_letter above 0 through retries', async () => {
    sandbox.faults.add('job-fails:recovery_email');
    try {
      const before = (await (await get('/api/health', bearer)).json()).queue.dead_letter;
      const { job_id: id } = await (await post('/api/admin/jobs', { job_type: 'recovery_email' }, { cookie })).json();
      const body = await eventually(async () => {
        const b = await (await get('/api/health', bearer)).json();
        return b.queue.dead_letter > before ? b : null;
      }, 15_000);
      expect(body.queue.dead_letter).toBe(before + 1);
      const events = sandbox.logEvents().filter((e) => e.job_id === id);
      expect(events.filter((e) => e.event === 'background_job.retrying')).toHaveLength(sandbox.options.maxAttempts - 1);
      expect(events.filter((e) => e.event === 'background_job.dead_letter')).toHaveLength(1);
    } finally {
      await clearFaults();
    }
  });

  it('cron-stopped leaves ready work waiting (and it ages)', async () => {
    sandbox.faults.add('cron-stopped');
    try {
      await sandbox.worker.idle();
      const { job_id: id } = await (await post('/api/admin/jobs', { job_type: 'admin_email' }, { cookie })).json();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const [row] = await sandbox.db.query<{ status: string }>('select status from background_jobs where id = $1', [id]);
      expect(row!.status).toBe('pending');
      const body = await (await get('/api/health', bearer)).json();
      expect(body.queue.oldest_ready_age_seconds).toBeGreaterThanOrEqual(1);
    } finally {
      await clearFaults();
    }
  });
});

describe('route faults', () => {
  it('latency delays only the chosen route', async () => {
    sandbox.faults.add('latency:/api/admin/tags:300');
    try {
      let started = performance.now();
      await get('/api/admin/tags', { cookie });
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      started = performance.now();
      await get('/api/admin/services', { cookie });
      expect(performance.now() - started).toBeLessThan(250);
    } finally {
      await clearFaults();
    }
  });

  it('errors:<path>:<percent> fails exactly that share of requests', async () => {
    sandbox.faults.add('errors:/api/admin/services:25');
    try {
      const statuses = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await get('/api/admin/services', { cookie })).status);
      expect(statuses.filter((s) => s === 500)).toHaveLength(10);
      expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    } finally {
      await clearFaults();
    }
  });
});

describe('control route', () => {
  const control = { authorization: `Bearer ${TEST_CONTROL_SECRET}`, 'content-type': 'application/json' };
  it('adds, lists and removes faults with the control secret only', async () => {
    expect((await fetch(`${sandbox.url}/__sandbox/faults`)).status).toBe(401);
    const added = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: control, body: JSON.stringify({ fault: 'degraded' }) });
    expect(await added.json()).toEqual({ faults: ['degraded'] });
    expect((await get('/api/health')).status).toBe(503);
    const bad = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: control, body: JSON.stringify({ fault: 'meteor' }) });
    expect(bad.status).toBe(400);
    const removed = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE', headers: control });
    expect(await removed.json()).toEqual({ faults: [] });
    expect((await get('/api/health')).status).toBe(200);
  });

  it('changes the Management API fake state', async () => {
    const ref = sandbox.options.projectRef;
    const res = await fetch(`${sandbox.url}/__sandbox/supabase/projects/${ref}`, {
      method: 'PATCH', headers: control, body: JSON.stringify({ region: 'eu-central-1' }),
    });
    expect((await res.json()).region).toBe('eu-central-1');
    const project = await (await get(`/v1/projects/${ref}`, { authorization: 'Bearer sbp_test' })).json();
    expect(project.region).toBe('eu-central-1');
  });
});

describe('start-up', () => {
  it('binds its port before building the database: 503 "starting" until ready, then the app', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const db = await createTestDatabase();
    const pgDb = connectPostgres(db.url);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The migrations wait on the gate: the sandbox is mid-start for as long as the test likes.
    const held: Db = { ...pgDb, session: async (fn) => (await gate, pgDb.session(fn)) };
    const starting = startTestSandbox({ databaseUrl: db.url, port }, { db: held });
    try {
      const early = await eventually(() => fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null));
      expect(early.status).toBe(503);
      expect(await early.json()).toEqual({ status: 'starting' });
      open();
      const late = await starting;
      expect((await fetch(`${late.url}/api/health`)).status).toBe(200);
      await late.stop();
    } finally {
      open();
      await starting.catch(() => {});
      await pgDb.close();
      await db.drop();
    }
  });
});
