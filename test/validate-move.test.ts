import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { readinessYaml, regionMove, validateMove, type RegionMove } from './helpers/region-move.ts';
import { sql } from './helpers/tenant-app.ts';

let move: RegionMove;

beforeAll(async () => {
  move = await regionMove();
}, 120_000);

afterAll(async () => {
  await move?.stop();
});

function status(record: Awaited<ReturnType<typeof validateMove>>, id: string) {
  return record.checks.find((c) => c.id === id)!;
}

describe('a scripted region move', () => {
  it('passes every check of the catalogue', async () => {
    const record = await validateMove(move);
    const notPassing = record.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.status} ${c.summary}`);
    expect(notPassing).toEqual([]);
    expect(record.checks.map((c) => c.id)).toEqual([...CUTOVER_CHECKS.map((c) => c.id), 'validate.complete']);
    expect(record.verdict).toBe('pass');
  });
});

describe('each break is caught by the right check', () => {
  const cases: { name: string; check: string; only?: string[]; config?: object; readiness?: () => string; breakIt(): Promise<void>; repair(): Promise<void> }[] = [
    {
      name: 'a missing row',
      check: 'db.row_parity',
      async breakIt() {
        await sql(move.next.url, `create table public._saved as select * from public.tags where id = (select max(id) from public.tags)`);
        await sql(move.next.url, `delete from public.tags where id = (select max(id) from public.tags)`);
      },
      async repair() {
        await sql(move.next.url, `insert into public.tags overriding system value select * from public._saved; drop table public._saved`);
      },
    },
    {
      name: 'a changed value with the row count unchanged',
      check: 'db.content_parity',
      breakIt: async () => void (await sql(move.next.url, `update public.tags set name = name || ' (edited)' where id = (select min(id) from public.tags)`)),
      repair: async () => void (await sql(move.next.url, `update public.tags set name = replace(name, ' (edited)', '') where id = (select min(id) from public.tags)`)),
    },
    {
      name: 'a policy re-created as restrictive',
      check: 'db.schema_parity',
      async breakIt() {
        const [p] = await sql(move.next.url, `select pg_get_expr(polqual, polrelid) as q from pg_policy where polname = 'invoices_org_isolation'`);
        await sql(move.next.url, `drop policy invoices_org_isolation on public.invoices; create policy invoices_org_isolation on public.invoices as restrictive using (${p!.q})`);
      },
      async repair() {
        const [p] = await sql(move.next.url, `select pg_get_expr(polqual, polrelid) as q from pg_policy where polname = 'invoices_org_isolation'`);
        await sql(move.next.url, `drop policy invoices_org_isolation on public.invoices; create policy invoices_org_isolation on public.invoices using (${p!.q})`);
      },
    },
    {
      name: 'a missing index',
      check: 'db.schema_parity',
      breakIt: async () => void (await sql(move.next.url, 'drop index public.tags_org_idx')),
      repair: async () => void (await sql(move.next.url, 'create index tags_org_idx on public.tags (org_id, name)')),
    },
    {
      name: 'a sequence behind its column',
      check: 'db.sequences',
      breakIt: async () => void (await sql(move.next.url, `select setval(pg_get_serial_sequence('public.invoices', 'id'), 5)`)),
      repair: async () => void (await sql(move.next.url, `select setval(pg_get_serial_sequence('public.invoices', 'id'), (select max(id) from public.invoices))`)),
    },
    {
      name: 'a missing extension',
      check: 'db.schema_parity',
      breakIt: async () => void (await sql(move.old.url, 'create extension citext')),
      repair: async () => void (await sql(move.old.url, 'drop extension citext')),
    },
    {
      name: 'dead-letter growth',
      check: 'queue.dead_letter_zero',
      async breakIt() {
        move.sandbox.faults.add('job-fails:admin_email');
        await sql(move.next.url, `insert into public.background_jobs (job_type, max_attempts) values ('admin_email', 1)`);
      },
      async repair() {
        move.sandbox.faults.clear();
        await sql(move.next.url, `delete from public.background_jobs where status = 'dead_letter'`);
      },
    },
    {
      name: 'a stuck queue',
      check: 'queue.drain',
      async breakIt() {
        move.sandbox.faults.add('cron-stopped');
        await sql(move.next.url, `insert into public.background_jobs (job_type) select 'admin_email' from generate_series(1, 40)`);
      },
      async repair() {
        move.sandbox.faults.clear();
        await new Promise((resolve) => setTimeout(resolve, 1500));
      },
    },
    {
      name: 'a stopped cron',
      check: 'worker.canary',
      breakIt: async () => void move.sandbox.faults.add('cron-stopped'),
      async repair() {
        move.sandbox.faults.clear();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      },
    },
    {
      name: 'the wrong region',
      check: 'project.region',
      breakIt: async () => void move.sandbox.supabase.updateProject(move.sandbox.options.projectRef, { region: 'us-east-1' }),
      repair: async () => void move.sandbox.supabase.updateProject(move.sandbox.options.projectRef, { region: 'eu-central-1' }),
    },
    {
      name: 'PITR off when expected',
      check: 'backups.pitr',
      config: { validate: { expectPitr: true } },
      breakIt: async () => {},
      repair: async () => {},
    },
    {
      name: 'no recent backup',
      check: 'backups.recent',
      async breakIt() {
        const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
        move.sandbox.supabase.updateProject(move.sandbox.options.projectRef, {
          backups: { walg_enabled: true, pitr_enabled: false, backups: [{ id: 9, is_physical_backup: false, status: 'COMPLETED', inserted_at: old }], physical_backup_data: {} },
        });
      },
      async repair() {
        // The first backup after the restore: later than the cutover.
        const recent = new Date().toISOString();
        move.sandbox.supabase.updateProject(move.sandbox.options.projectRef, {
          backups: { walg_enabled: true, pitr_enabled: false, backups: [{ id: 10, is_physical_backup: false, status: 'COMPLETED', inserted_at: recent }], physical_backup_data: {} },
        });
      },
    },
    {
      name: 'a stale restore drill',
      check: 'restore.readiness',
      readiness: () => {
        const file = path.join(move.dir, 'stale.yml');
        writeFileSync(file, readinessYaml(200));
        return file;
      },
      breakIt: async () => {},
      repair: async () => {},
    },
    {
      name: 'the old environment still claiming jobs',
      check: 'env.single_active',
      breakIt: async () => void (await sql(move.old.url, `update public.background_jobs set status = 'completed', updated_at = now() where id = (select max(id) from public.background_jobs)`)),
      repair: async () => void (await sql(move.old.url, `update public.background_jobs set updated_at = $1 where updated_at > $1`, [new Date(move.cutoverAt.getTime() - 1000)])),
    },
  ];

  for (const c of cases) {
    it(`${c.name} fails ${c.check}`, async () => {
      await c.breakIt();
      try {
        const record = await validateMove(move, { config: c.config as never, readiness: c.readiness?.() });
        const check = status(record, c.check);
        expect(check.status, check.summary).toBe('fail');
        expect(record.verdict).toBe('fail');
        expect(record.reasons.join('\n')).toContain(`${c.check} failed`);
      } finally {
        await c.repair();
      }
    });
  }

  it('after the repairs the move passes again', async () => {
    const record = await validateMove(move);
    expect(record.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.summary}`)).toEqual([]);
  });
});
