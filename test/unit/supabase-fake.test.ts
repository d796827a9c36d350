import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupabaseFake } from '../../sandbox/supabase-fake/handler.ts';

let server: Server;
let base: string;
let clock = 1_000_000;
const fake = new SupabaseFake({ accessToken: 'sbp_test_token_value', rateLimitPerMinute: 5, now: () => clock });
const auth = { authorization: 'Bearer sbp_test_token_value' };

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (!fake.handle(req, res, url)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function fresh(ref: string, overrides = {}) {
  return fake.addProject(ref, overrides);
}

describe('Management API fake: published shapes', () => {
  it('GET /v1/projects/{ref}', async () => {
    fresh('shapeproj', { region: 'eu-west-2' });
    const res = await fetch(`${base}/v1/projects/shapeproj`, { headers: auth });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ref: 'shapeproj', region: 'eu-west-2', status: 'ACTIVE_HEALTHY', organization_slug: 'ce-pro' });
    expect(Object.keys(body.database).sort()).toEqual(['host', 'postgres_engine', 'release_channel', 'version']);
    expect(typeof body.created_at).toBe('string');
  });

  it('health needs services and answers one entry per service', async () => {
    fresh('healthproj', { services: { storage: 'UNHEALTHY' } });
    expect((await fetch(`${base}/v1/projects/healthproj/health`, { headers: auth })).status).toBe(400);
    const res = await fetch(`${base}/v1/projects/healthproj/health?services=db,auth,storage`, { headers: auth });
    const body = await res.json();
    expect(body).toEqual([
      { name: 'db', status: 'ACTIVE_HEALTHY', healthy: true },
      { name: 'auth', status: 'ACTIVE_HEALTHY', healthy: true },
      { name: 'storage', status: 'UNHEALTHY', healthy: false, error: 'storage is not responding' },
    ]);
    expect((await fetch(`${base}/v1/projects/healthproj/health?services=db,bogus`, { headers: auth })).status).toBe(400);
  });

  it('backups: a brand-new project has the documented empty shape', async () => {
    fresh('newproj', { backups: { walg_enabled: true, pitr_enabled: false, backups: [], physical_backup_data: {} } });
    const body = await (await fetch(`${base}/v1/projects/newproj/database/backups`, { headers: auth })).json();
    expect(body).toEqual({ region: 'us-east-1', pitr_enabled: false, walg_enabled: true, backups: [], physical_backup_data: {} });
  });

  it('backups with PITR carry the physical backup window', async () => {
    fresh('pitrproj', {
      backups: {
        walg_enabled: true, pitr_enabled: true, backups: [],
        physical_backup_data: { earliest_physical_backup_date_unix: 1764000000, latest_physical_backup_date_unix: 1764300000 },
      },
      addons: [{ type: 'pitr', variant: { id: 'pitr_7' } }],
    });
    const body = await (await fetch(`${base}/v1/projects/pitrproj/database/backups`, { headers: auth })).json();
    expect(body.pitr_enabled).toBe(true);
    expect(body.physical_backup_data.latest_physical_backup_date_unix).toBe(1764300000);
    const addons = await (await fetch(`${base}/v1/projects/pitrproj/billing/addons`, { headers: auth })).json();
    expect(addons.selected_addons).toContainEqual({ type: 'pitr', variant: { id: 'pitr_7' } });
  });

  it('schedule answers the schedule, or 402 / 404 when not applicable', async () => {
    fresh('schedproj');
    const ok = await (await fetch(`${base}/v1/projects/schedproj/database/backups/schedule`, { headers: auth })).json();
    expect(Object.keys(ok).sort()).toEqual(['schedule_for', 'updated_at']);
    fresh('freeproj', { schedule: 402 });
    expect((await fetch(`${base}/v1/projects/freeproj/database/backups/schedule`, { headers: auth })).status).toBe(402);
  });

  it('migrations list versions and names', async () => {
    fresh('migproj', { migrations: [{ version: '20260101000000', name: 'init' }] });
    const body = await (await fetch(`${base}/v1/projects/migproj/database/migrations`, { headers: auth })).json();
    expect(body).toEqual([{ version: '20260101000000', name: 'init' }]);
  });
});

describe('Management API fake: auth, errors and rate limits', () => {
  it('401 without the token, 404 for an unknown project, forced statuses', async () => {
    fresh('authproj', { forceStatus: { backups: 500 } });
    expect((await fetch(`${base}/v1/projects/authproj`)).status).toBe(401);
    expect((await fetch(`${base}/v1/projects/authproj`, { headers: { authorization: 'Bearer sbp_wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/v1/projects/nosuchproj`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/v1/projects/authproj/database/backups`, { headers: auth })).status).toBe(500);
    expect((await fetch(`${base}/v1/projects/authproj`, { method: 'DELETE', headers: auth })).status).toBe(405);
  });

  it('carries X-RateLimit-* headers and answers 429 over the limit until the window ends', async () => {
    fresh('rateproj');
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i += 1) {
      last = await fetch(`${base}/v1/projects/rateproj`, { headers: auth });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('5');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(last!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    // Another endpoint has its own window.
    expect((await fetch(`${base}/v1/projects/rateproj/database/migrations`, { headers: auth })).status).toBe(200);
    clock += 61_000;
    expect((await fetch(`${base}/v1/projects/rateproj`, { headers: auth })).status).toBe(200);
  });
});
