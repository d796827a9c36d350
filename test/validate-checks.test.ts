import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepMerge, parseConfig } from '../config/load.ts';
import type { DrillConfigInput } from '../config/schema.ts';
import { RunDir } from '../record/run-dir.ts';
import { sleep } from '../runs/sleep.ts';
import { SupabaseFake } from '../sandbox/supabase-fake/handler.ts';
import { SignalSession } from '../signals/session.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { runChecks } from '../validation/check.ts';
import type { ValidateContext } from '../validation/context.ts';
import { SupabaseApi } from '../validation/supabase-api.ts';
import { ADMIN_URL } from './helpers/pg.ts';
import { HEALTHY_BODY, json, startScriptServer, type ScriptServer } from './helpers/script-server.ts';
import { FAST_VALIDATE } from './helpers/region-move.ts';
import { copyDatabase, sql as tenantSql, tenantApp } from './helpers/tenant-app.ts';
import { readinessYaml } from './helpers/region-move.ts';
import { writeFileSync } from 'node:fs';

let apiServer: Server;
let apiUrl: string;
let clock = 10_000_000;
const fake = new SupabaseFake({ accessToken: 'sbp_good_token', rateLimitPerMinute: 1000, now: () => clock });

beforeAll(async () => {
  apiServer = createServer((req, res) => void fake.handle(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => apiServer.close(() => resolve())));

const byId = (id: string) => CUTOVER_CHECKS.find((c) => c.id === id)!;

async function check(id: string, over: Partial<ValidateContext> & { configInput?: DrillConfigInput; target?: string } = {}) {
  const config = parseConfig(deepMerge(FAST_VALIDATE, over.configInput ?? {}));
  const runDir = RunDir.create(mkdtempSync(path.join(tmpdir(), 'drill-check-')));
  const target = over.target ?? 'http://127.0.0.1:1';
  const session = new SignalSession({ config, target, cronSecret: over.cronSecret ?? 'cron-secret-x', runDir });
  const waits = byId(id).waits;
  if (waits) await session.start();
  const ctx: ValidateContext = {
    config, target, cronSecret: 'cron-secret-x', databaseUrl: null, sourceDatabaseUrl: null, api: null, projectRef: null, expectRegion: null,
    readinessFile: null, cutoverAt: null, cookies: [], windowMs: config.validate.window, drainTimeoutMs: config.validate.drainTimeout,
    session, windowDone: sleep(config.validate.window, new AbortController().signal), signal: new AbortController().signal, now: Date.now,
    ...over,
  };
  const [result] = await runChecks([byId(id)], ctx);
  if (waits) await session.stop();
  runDir.closeStreams();
  return result!;
}

const api = (token = 'sbp_good_token') => new SupabaseApi({ baseUrl: apiUrl, token, maxBackoffMs: 200, retries: 2, timeoutMs: 5000 });

describe('health checks fail where they should', () => {
  let server: ScriptServer;
  let mode = 'ok';
  beforeAll(async () => {
    server = await startScriptServer((req, res) => {
      if (req.url?.startsWith('/api/admin')) return void res.writeHead(mode === 'open-admin' ? 200 : 401).end('{}');
      if (mode === 'degraded') return json(res, 503, { status: 'degraded' });
      if (mode === 'leak') return json(res, 200, HEALTHY_BODY);
      const bearer = req.headers.authorization === 'Bearer cron-secret-x';
      if (mode === 'no-snapshot' || !bearer) return json(res, 200, { status: 'ok' });
      json(res, 200, HEALTHY_BODY);
    });
  });
  afterAll(() => server.close());

  it('health.public passes on a healthy app and fails on a degraded one', async () => {
    mode = 'ok';
    expect((await check('health.public', { target: server.url })).status).toBe('pass');
    mode = 'degraded';
    const r = await check('health.public', { target: server.url });
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/GET answered 503 "degraded"; HEAD answered 503/);
  });

  it('health.public is an error when the app is unreachable', async () => {
    const r = await check('health.public', { target: 'http://127.0.0.1:1' });
    expect(r.status).toBe('error');
    expect(r.summary).toMatch(/unreachable \(.*ECONNREFUSED/);
  });

  it('health.snapshot passes with the six fields and fails without them; skips without CRON_SECRET', async () => {
    mode = 'ok';
    expect((await check('health.snapshot', { target: server.url })).status).toBe('pass');
    mode = 'no-snapshot';
    expect((await check('health.snapshot', { target: server.url })).status).toBe('fail');
    const skipped = await check('health.snapshot', { target: server.url, cronSecret: null });
    expect(skipped).toMatchObject({ status: 'skip', summary: 'skipped: CRON_SECRET is not set' });
  });

  it('health.secret_required fails when queue data is public or the admin API is open', async () => {
    mode = 'ok';
    expect((await check('health.secret_required', { target: server.url })).status).toBe('pass');
    mode = 'leak';
    expect((await check('health.secret_required', { target: server.url })).summary).toMatch(/queue data is public/);
    mode = 'open-admin';
    expect((await check('health.secret_required', { target: server.url })).summary).toMatch(/admin API answered 200 without a session/);
  });

  it('health.sustained and queue.oldest_ready_age judge the window', async () => {
    mode = 'ok';
    expect((await check('health.sustained', { target: server.url })).status).toBe('pass');
    expect((await check('queue.oldest_ready_age', { target: server.url })).status).toBe('pass');
    mode = 'degraded';
    const degraded = await check('health.sustained', { target: server.url, configInput: { alerts: { health_degraded: { for: '500ms' } } } });
    expect(degraded.status).toBe('fail');
    expect(degraded.summary).toMatch(/health_degraded fired/);
    // Degraded for the whole window but shorter than the alert's for: still a failure.
    const pending = await check('health.sustained', { target: server.url, configInput: { alerts: { health_degraded: { for: '10m' } } } });
    expect(pending.status).toBe('fail');
    expect(pending.summary).toMatch(/still unhealthy at the end of the window/);
  });
});

describe('Management API checks', () => {
  it('project.status and project.services fail on an unhealthy project', async () => {
    fake.addProject('sickproj', { status: 'ACTIVE_UNHEALTHY', services: { realtime: 'UNHEALTHY' } });
    const status = await check('project.status', { api: api(), projectRef: 'sickproj' });
    expect(status).toMatchObject({ status: 'fail', summary: 'project status ACTIVE_UNHEALTHY' });
    const services = await check('project.services', { api: api(), projectRef: 'sickproj' });
    expect(services.status).toBe('fail');
    expect(services.summary).toMatch(/realtime UNHEALTHY/);
    fake.addProject('wellproj');
    expect((await check('project.services', { api: api(), projectRef: 'wellproj' })).status).toBe('pass');
  });

  it('backups.enabled fails with neither WAL-G nor PITR', async () => {
    fake.addProject('nobackups', { backups: { walg_enabled: false, pitr_enabled: false, backups: [], physical_backup_data: {} } });
    expect((await check('backups.enabled', { api: api(), projectRef: 'nobackups' })).status).toBe('fail');
  });

  it('backups.pitr reads retention from the billing add-ons; backups.recent accepts an advancing PITR window', async () => {
    const now = Math.floor(Date.now() / 1000);
    fake.addProject('pitrproj', {
      backups: { walg_enabled: true, pitr_enabled: true, backups: [], physical_backup_data: { earliest_physical_backup_date_unix: now - 7 * 86400, latest_physical_backup_date_unix: now - 120 } },
      addons: [{ type: 'pitr', variant: { id: 'pitr_14' } }],
    });
    const pitr = await check('backups.pitr', { api: api(), projectRef: 'pitrproj', configInput: { validate: { expectPitr: true } } });
    expect(pitr).toMatchObject({ status: 'pass', summary: 'PITR on, 14 days retention' });
    expect((await check('backups.recent', { api: api(), projectRef: 'pitrproj' })).status).toBe('pass');
  });

  it('backups.recent is a warning on a brand-new project with no backup yet', async () => {
    fake.addProject('brandnew', { created_at: new Date().toISOString(), backups: { walg_enabled: true, pitr_enabled: false, backups: [], physical_backup_data: {} } });
    const r = await check('backups.recent', { api: api(), projectRef: 'brandnew' });
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/recheck in about 24 h/);
  });

  it('backups.recent after a move: a backup from before --cutover-at warns within a day and fails once it is too old; a later one passes', async () => {
    const hours = (h: number) => new Date(Date.now() - h * 3_600_000);
    const project = (ref: string, backupAt: Date) =>
      fake.addProject(ref, { backups: { walg_enabled: true, pitr_enabled: false, backups: [{ id: 1, is_physical_backup: false, status: 'COMPLETED', inserted_at: backupAt.toISOString() }], physical_backup_data: {} } });
    project('movedbefore', hours(3));
    const before = await check('backups.recent', { api: api(), projectRef: 'movedbefore', cutoverAt: hours(1) });
    expect(before).toMatchObject({ status: 'warn', summary: expect.stringMatching(/from before the cutover .* no backup holds the moved data yet: recheck in about 24 h/) });
    project('movedlongago', hours(80));
    expect(await check('backups.recent', { api: api(), projectRef: 'movedlongago', cutoverAt: hours(72) })).toMatchObject({ status: 'fail', summary: expect.stringMatching(/newest backup is 80h old/) });
    project('movedafter', hours(0.5));
    expect(await check('backups.recent', { api: api(), projectRef: 'movedafter', cutoverAt: hours(1) })).toMatchObject({ status: 'pass', summary: expect.stringMatching(/after the cutover$/) });
  });

  it('backups.recent: a project over a day old whose only backup FAILED fails; a younger one warns', async () => {
    const failedOnly = (ref: string, createdHoursAgo: number) =>
      fake.addProject(ref, {
        created_at: new Date(Date.now() - createdHoursAgo * 3_600_000).toISOString(),
        backups: { walg_enabled: true, pitr_enabled: false, backups: [{ id: 1, is_physical_backup: false, status: 'FAILED', inserted_at: new Date(Date.now() - 3_600_000).toISOString() }], physical_backup_data: {} },
      });
    failedOnly('failedold', 25);
    expect(await check('backups.recent', { api: api(), projectRef: 'failedold' })).toMatchObject({ status: 'fail', summary: expect.stringMatching(/no completed backup: the only backup FAILED .* open a Supabase ticket/) });
    failedOnly('failedyoung', 5);
    expect((await check('backups.recent', { api: api(), projectRef: 'failedyoung' })).status).toBe('warn');
  });

  it('backups.schedule: 402 and 404 are "not applicable" warnings', async () => {
    fake.addProject('freeplan', { schedule: 402 });
    expect((await check('backups.schedule', { api: api(), projectRef: 'freeplan' })).status).toBe('warn');
    fake.addProject('scheduled');
    expect((await check('backups.schedule', { api: api(), projectRef: 'scheduled' })).summary).toBe('daily backups scheduled at 04:00:00 UTC');
  });

  it('401, 403 and 500 are errors that say what to fix, never a pass', async () => {
    fake.addProject('errproj', { forceStatus: { project: 403, backups: 500 } });
    expect((await check('project.status', { api: api('sbp_wrong'), projectRef: 'errproj' })).summary).toMatch(/refused \(401\): check SUPABASE_ACCESS_TOKEN/);
    expect((await check('project.status', { api: api(), projectRef: 'errproj' })).summary).toMatch(/lacks permission .*\(403\)/);
    expect((await check('backups.enabled', { api: api(), projectRef: 'errproj' }))).toMatchObject({ status: 'error', summary: expect.stringMatching(/HTTP 500/) });
  });

  it('429: backs off by X-RateLimit-Reset, then succeeds or reports an error', async () => {
    fake.addProject('rateproj');
    fake.rateLimitPerMinute = 1;
    try {
      const client = api();
      // Use up the window, then let time pass on the fake while the client waits.
      await fetch(`${apiUrl}/v1/projects/rateproj`, { headers: { authorization: 'Bearer sbp_good_token' } });
      const waiting = check('project.status', { api: client, projectRef: 'rateproj' });
      setTimeout(() => (clock += 61_000), 100);
      expect((await waiting).status).toBe('pass');
      expect(client.log.some((l) => l.status === 429 && l.waitedMs! > 0)).toBe(true);
      // With no window reset, the retries run out and the check errors.
      const stuck = await check('project.status', { api: api(), projectRef: 'rateproj' });
      expect(stuck).toMatchObject({ status: 'error', summary: expect.stringMatching(/rate limited \(429\) even after backing off/) });
    } finally {
      fake.rateLimitPerMinute = 1000;
    }
  });

  it('an unreachable API is an error, and checks without inputs skip with the reason', async () => {
    const down = new SupabaseApi({ baseUrl: 'http://127.0.0.1:1', token: 't', maxBackoffMs: 10, retries: 0, timeoutMs: 2000 });
    expect((await check('project.status', { api: down, projectRef: 'x' })).summary).toMatch(/Management API unreachable/);
    expect((await check('project.region', { api: api(), projectRef: 'wellproj' })).summary).toMatch(/needs --expect-region/);
    expect((await check('backups.enabled', {})).summary).toBe('skipped: needs --supabase-project-ref');
  });
});

describe('database checks', () => {
  async function withDbs(fn: (a: string, b: string, sql: (url: string, text: string) => Promise<void>) => Promise<void>) {
    const { createTestDatabase } = await import('./helpers/pg.ts');
    const pg = await import('pg');
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    const sql = async (url: string, text: string) => {
      const c = new pg.default.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(text);
      } finally {
        await c.end();
      }
    };
    try {
      await fn(a.url, b.url, sql);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  }

  it('db.row_parity: tables that cannot be counted on either side are an error, never a match', async () => {
    await withDbs(async (a, b) => {
      const r = await check('db.row_parity', { databaseUrl: b, sourceDatabaseUrl: a, configInput: { validate: { rowParityTables: ['public.no_such_table'] } } });
      expect(r.status).toBe('error');
      expect(r.summary).toMatch(/could not count 1 tables/);
    });
  });

  it('db.sequences also follows plain DEFAULT nextval() columns', async () => {
    await withDbs(async (_a, b, sql) => {
      await sql(b, `create sequence public.invoice_number_seq; create table public.numbered (n bigint default nextval('public.invoice_number_seq'));
        insert into public.numbered (n) values (500); select setval('public.invoice_number_seq', 10)`);
      const r = await check('db.sequences', { databaseUrl: b });
      expect(r.status).toBe('fail');
      expect(r.summary).toMatch(/public\.invoice_number_seq next 11 <= max 500/);
    });
  });

  it('db.schema_parity: an extension version drift is a warning, a missing extension a failure', async () => {
    await withDbs(async (a, b, sql) => {
      await sql(a, `create extension citext version '1.4'`);
      await sql(b, `create extension citext`);
      const drift = await check('db.schema_parity', { databaseUrl: b, sourceDatabaseUrl: a });
      expect(drift.status).toBe('warn');
      expect(drift.summary).toMatch(/extension versions differ: citext 1\.4 -> 1\.\d/);
      await sql(b, 'drop extension citext');
      expect((await check('db.schema_parity', { databaseUrl: b, sourceDatabaseUrl: a })).status).toBe('fail');
    });
  });

  it('a refused database is db.reachable error; the old one refused is a warning', async () => {
    const refused = 'postgres://app:sentinel-pass-123@127.0.0.1:1/app';
    const r = await check('db.reachable', { databaseUrl: refused });
    expect(r.status).toBe('error');
    expect(r.summary).toMatch(/ECONNREFUSED/);
    const old = await check('db.reachable', { databaseUrl: ADMIN_URL, sourceDatabaseUrl: refused });
    expect(old.status).toBe('warn');
  });

  it('db.migrations fails when the new database has no history table', async () => {
    const { createTestDatabase } = await import('./helpers/pg.ts');
    const [withHistory, without] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: withHistory.url });
      await c.connect();
      await c.query(`create schema supabase_migrations; create table supabase_migrations.schema_migrations (version text primary key); insert into supabase_migrations.schema_migrations values ('20260101000000')`);
      await c.end();
      const r = await check('db.migrations', { databaseUrl: without.url, sourceDatabaseUrl: withHistory.url });
      expect(r).toMatchObject({ status: 'fail', summary: 'the new database has no migration history table' });
      const same = await check('db.migrations', { databaseUrl: withHistory.url, sourceDatabaseUrl: withHistory.url });
      expect(same).toMatchObject({ status: 'error', summary: expect.stringMatching(/same database .*point SOURCE_DATABASE_URL/) });
      const copy = await copyDatabase(withHistory, 'create database … template');
      try {
        expect((await check('db.migrations', { databaseUrl: copy.url, sourceDatabaseUrl: withHistory.url })).status).toBe('pass');
      } finally {
        await copy.drop();
      }
    } finally {
      await Promise.all([withHistory.drop(), without.drop()]);
    }
  });
});

describe('restore readiness', () => {
  it('a restore drill dated in the future is an error naming the fix; a passing recorded drill from last month passes; a typed-in date only warns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-readiness-'));
    const future = path.join(dir, 'future.yml');
    writeFileSync(future, readinessYaml(-90, { typed: true }));
    expect(await check('restore.readiness', { readinessFile: future })).toMatchObject({ status: 'error', summary: expect.stringMatching(/restore drill date \d{4}-\d{2}-\d{2} in .* is in the future: record the date the drill was done/) });
    const recent = path.join(dir, 'recent.yml');
    writeFileSync(recent, readinessYaml(30));
    expect((await check('restore.readiness', { readinessFile: recent })).status).toBe('pass');
    const typed = path.join(dir, 'typed.yml');
    writeFileSync(typed, readinessYaml(30, { typed: true }));
    expect(await check('restore.readiness', { readinessFile: typed })).toMatchObject({ status: 'warn', summary: expect.stringMatching(/typed in, with no drill record: run drill restore-drill --readiness/) });
  });
});

describe('parity checks on a multi-tenant app', () => {
  let old: Awaited<ReturnType<typeof tenantApp>>;
  let copy: Awaited<ReturnType<typeof tenantApp>>;
  beforeAll(async () => {
    old = await tenantApp();
    copy = await copyDatabase(old, 'pg_dump | psql');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([old?.drop(), copy?.drop()]);
  });
  const fast = { validate: { content: { recheckAfter: '50ms' } } };

  it('db.schema_parity, db.row_parity and db.content_parity pass on a faithful copy', async () => {
    for (const id of ['db.schema_parity', 'db.row_parity', 'db.content_parity']) {
      const r = await check(id, { databaseUrl: copy.url, sourceDatabaseUrl: old.url, configInput: fast });
      expect(r.status, `${id}: ${r.summary}`).toBe('pass');
    }
    const content = await check('db.content_parity', { databaseUrl: copy.url, sourceDatabaseUrl: old.url, configInput: fast });
    expect(content.summary).toMatch(/1 without a primary key compared by whole-table hash \(public\.audit_events\)/);
  });

  it('db.content_parity fails naming keys, never values; db.row_parity misses it', async () => {
    await tenantSql(copy.url, `update public.tenants set name = 'Renamed Tenant Ltd' where slug = 'tenant-3'`);
    try {
      const content = await check('db.content_parity', { databaseUrl: copy.url, sourceDatabaseUrl: old.url, configInput: fast });
      const key = String((await tenantSql(old.url, `select id::text from public.tenants where slug = 'tenant-3'`))[0]!.id);
      expect(content).toMatchObject({ status: 'fail', summary: expect.stringContaining(`public.tenants: 1 key differs (1 changed): ${key}`) });
      expect(JSON.stringify(content)).not.toContain('Renamed Tenant');
      expect((await check('db.row_parity', { databaseUrl: copy.url, sourceDatabaseUrl: old.url, configInput: fast })).status).toBe('pass');
    } finally {
      await tenantSql(copy.url, `update public.tenants set name = 'Tenant 3' where slug = 'tenant-3'`);
    }
  });

  it('db.schema_parity fails on a widened grant, naming it', async () => {
    await tenantSql(copy.url, `grant select on public.invoices to anon`);
    try {
      const r = await check('db.schema_parity', { databaseUrl: copy.url, sourceDatabaseUrl: old.url });
      expect(r).toMatchObject({ status: 'fail', summary: expect.stringContaining('privilege SELECT on table public.invoices to anon only in the new database (widens access: a grant only in the new database)') });
    } finally {
      await tenantSql(copy.url, `revoke select on public.invoices from anon`);
    }
  });

  it('the comparing checks are errors when both URLs reach one database', async () => {
    for (const id of ['db.schema_parity', 'db.row_parity', 'db.content_parity']) {
      const r = await check(id, { databaseUrl: old.url, sourceDatabaseUrl: old.url });
      expect(r, id).toMatchObject({ status: 'error', summary: expect.stringMatching(/same database/) });
    }
  });
});

