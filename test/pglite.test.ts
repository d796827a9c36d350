import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox } from './helpers/sandbox.ts';

// The README's first command depends on this: no DATABASE_URL, no service, still a full sandbox.
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;

beforeAll(async () => {
  sandbox = await startTestSandbox({ dbPort: 0 });
});

afterAll(async () => {
  await sandbox?.stop();
});

describe('embedded PGlite default', () => {
  it('starts migrated and seeded, and answers health with the snapshot', async () => {
    expect(sandbox.db.kind).toBe('pglite');
    const res = await fetch(`${sandbox.url}/api/health`, { headers: { authorization: `Bearer test-cron-secret-value` } });
    expect(res.status).toBe(200);
    expect((await res.json()).queue).toMatchObject({ pending: expect.any(Number), dead_letter: 0 });
  });

  it('processes jobs with the embedded database', async () => {
    const [cookie] = await sandbox.mintCookies(1);
    const res = await fetch(`${sandbox.url}/api/admin/jobs`, {
      method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/json' }, body: JSON.stringify({ job_type: 'admin_email' }),
    });
    const { job_id: id } = await res.json();
    for (let i = 0; i < 100; i += 1) {
      const [row] = await sandbox.db.query<{ status: string }>('select status from background_jobs where id = $1', [id]);
      if (row?.status === 'completed') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('job was not completed within 10s');
  });

  it('is reachable by a pg client through the socket server', async () => {
    expect(sandbox.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const client = new pg.Client({ connectionString: sandbox.databaseUrl! });
    await client.connect();
    try {
      const { rows } = await client.query('select count(*)::int as n from invoices');
      expect(rows[0].n).toBe(600);
      const versions = await client.query('select version from supabase_migrations.schema_migrations order by version');
      expect(versions.rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.end();
    }
  });
});
