import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { DEFAULT_PARITY_EXCLUDE } from '../config/parity-exclusions.ts';
import { compareContent, type ContentComparison, type TableContent } from '../validation/db/content-compare.ts';
import { SameDatabaseError } from '../validation/db/identity.ts';
import { ADMIN_URL } from './helpers/pg.ts';
import { faultInjectionFixture, sql } from './helpers/tenant-app.ts';
import { readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * Content parity on the multi-tenant fixture: each injected fault is found down to its key,
 * with no column value anywhere in the result. Faults are grouped per copy, each key
 * asserted on its own.
 */
const fixture = faultInjectionFixture();
const { faulty } = fixture;
const FAST = { recheckAfterMs: 20 };

const table = (r: ContentComparison, name: string): TableContent => {
  const t = r.tables.find((x) => x.table === name);
  expect(t, name).toBeDefined();
  return t!;
};
const uuid = async (seed: string) => String((await sql(ADMIN_URL, `select md5($1)::uuid::text as u`, [seed]))[0]!.u);
const keysOf = (t: TableContent) => t.firstKeys.map((k) => `${k.kind} ${k.key.join('|')}`).sort();

describe('one fault of each kind is found down to its key, values never shown', () => {
  let r: ContentComparison;
  beforeAll(async () => {
    const copy = await faulty(`
      update public.projects set name = 'Project 42 renamed-secret' where id = 42;
      update public.projects set budget = null where id = 43;
      update public.time_entries set note = null where id = md5('entry7')::uuid;           -- '' to NULL
      update public.time_entries set labels = null where id = md5('entry11')::uuid;        -- '{}' to NULL
      update public.time_entries set labels = '{}' where id = md5('entry12')::uuid;        -- '{NULL}' to '{}'
      update public.time_entries set extra = '[]' where id = md5('entry9')::uuid;          -- '{}' to '[]'
      update public.time_entries set extra = '{}' where id = md5('entry8')::uuid;          -- NULL to '{}'
      update public.time_entries set attachment = null where id = md5('entry13')::uuid;    -- '' bytea to NULL
      update public.time_entries set recorded_at = recorded_at + interval '1 microsecond' where id = md5('entry14')::uuid;
      update public.time_entries set rate = rate + 0.001 where id = md5('entry15')::uuid;
      update public.time_entries set duration = duration + interval '1 second' where id = md5('entry17')::uuid;
      update public.time_entries set ratio = ratio + 1e-12 where id = md5('entry18')::uuid;
      delete from public.invoices where number = 'INV-000100';
      insert into public.invoices (tenant_id, number, state, currency, amount, lines, issued_on)
        select tenant_id, number || '-dup', state, currency, amount, lines, issued_on from public.invoices where number = 'INV-000200';
      delete from storage.objects where id = md5('object7')::uuid;
      update auth.users set last_sign_in_at = last_sign_in_at + interval '1 hour' where id = md5('user5')::uuid;
      update public.audit_events set action = 'member.removed' where ctid = (select min(ctid) from public.audit_events);
    `);
    r = await compareContent(fixture.source.url, copy.url, FAST);
  }, 30_000);

  it('one value changed, one set to NULL, same row counts', async () => {
    const t = table(r, 'public.projects');
    expect(t.rows).toEqual({ old: 400, new: 400 });
    expect(t).toMatchObject({ status: 'differs', differing: 2, exact: true, kinds: { changed: 2, missing: 0, extra: 0 } });
    expect(keysOf(t)).toEqual(['changed 42', 'changed 43']);
  });

  it('NULL against empty (text, array, jsonb, bytea), and the smallest changes to timestamptz, numeric, interval and float', async () => {
    const t = table(r, 'public.time_entries');
    const expected = await Promise.all([7, 11, 12, 9, 8, 13, 14, 15, 17, 18].map(async (g) => `changed ${await uuid(`entry${g}`)}`));
    expect(t.differing).toBe(10);
    expect(keysOf(t)).toEqual(expected.sort());
  });

  it('one row deleted and another duplicated, same count, in a partitioned table compared once through its parent', () => {
    const t = table(r, 'public.invoices');
    expect(t.rows.old).toBe(t.rows.new);
    expect(t).toMatchObject({ method: 'key ranges', key: ['tenant_id', 'id', 'issued_on'], differing: 2, kinds: { missing: 1, extra: 1, changed: 0 } });
    expect(r.tables.some((x) => x.table.startsWith('public.invoices_'))).toBe(false);
  });

  it('a storage.objects row and an auth.users value are compared (Supabase schemas by default)', async () => {
    expect(keysOf(table(r, 'storage.objects'))).toEqual([`missing ${await uuid('object7')}`]);
    expect(keysOf(table(r, 'auth.users'))).toEqual([`changed ${await uuid('user5')}`]);
  });

  it('a table without a primary key is compared by whole-table hash, and says so', () => {
    expect(table(r, 'public.audit_events')).toMatchObject({ method: 'whole table', status: 'differs', differing: null, key: [] });
  });

  it('everything else matches; the bisection queries are counted apart', () => {
    const others = r.tables.filter((t) => !['public.projects', 'public.time_entries', 'public.invoices', 'storage.objects', 'auth.users', 'public.audit_events'].includes(t.table));
    expect(others.map((t) => `${t.table} ${t.status}`).filter((s) => !s.endsWith('match'))).toEqual([]);
    expect(r.queries.bisect).toBeGreaterThan(0);
    expect(table(r, 'public.tenants').queries.bisect).toBe(0);
  });

  it('no column value appears anywhere in the result', () => {
    const text = JSON.stringify(r);
    for (const value of ['renamed-secret', 'Project 42', 'worked on item', 'user5@tenant.test', 'member.removed', 'INV-000100']) expect(text).not.toContain(value);
  });
});

describe('counts, lists and bounds', () => {
  it('reports the count of differing keys and the first ten keys only', async () => {
    const copy = await faulty(`update public.projects set archived = not archived where id between 101 and 130`);
    const r = await compareContent(fixture.source.url, copy.url, FAST);
    const t = table(r, 'public.projects');
    expect(t).toMatchObject({ differing: 30, exact: true });
    expect(t.firstKeys.map((k) => k.key[0])).toEqual(['101', '102', '103', '104', '105', '106', '107', '108', '109', '110']);
  });

  it('whole ranges on one side only are listed from that side', async () => {
    const copy = await faulty(`delete from storage.objects where id < '30000000-0000-0000-0000-000000000000'`);
    const gone = Number((await sql(fixture.source.url, `select count(*) as n from storage.objects where id < '30000000-0000-0000-0000-000000000000'`))[0]!.n);
    const r = await compareContent(fixture.source.url, copy.url, { ...FAST, tables: ['storage.objects'] });
    expect(table(r, 'storage.objects')).toMatchObject({ status: 'differs', differing: gone, exact: true, kinds: { missing: gone, changed: 0, extra: 0 } });
  });

  it('past maxKeys the listing stops and the count is a lower bound', async () => {
    const copy = await faulty(`delete from public.time_entries where minutes < 100; update public.invoices set amount = amount + 1`);
    const r = await compareContent(fixture.source.url, copy.url, { ...FAST, maxKeys: 50, chunkSize: 500 });
    const entries = table(r, 'public.time_entries');
    expect(entries.kinds.missing).toBe(50);
    expect(entries.differing).toBeGreaterThanOrEqual(50);
    expect(entries.firstKeys).toHaveLength(10);
    const invoices = table(r, 'public.invoices');
    expect(invoices.exact).toBe(false);
    expect(invoices.differing).toBeGreaterThanOrEqual(50);
  });

  it('the chunk size sets how many rows a statement reads; bounds come from ANALYZE when fine enough, else from the index', async () => {
    const run = (chunkSize: number) => compareContent(fixture.source.url, fixture.base.url, { ...FAST, chunkSize, tables: ['public.time_entries'] });
    const [walked, histogram, large] = [await run(10), await run(100), await run(10_000)];
    // 5,000 rows: the 100-bucket histogram is too coarse for chunks of 10, so the index is walked.
    expect(table(walked, 'public.time_entries').ranges).toBe(501);
    expect(table(histogram, 'public.time_entries').ranges).toBe(102);
    // Heap slices of about chunkSize rows, on each side.
    expect(histogram.queries.scan).toBeGreaterThan(2 * 40);
    expect(large.queries.scan).toBeLessThanOrEqual(5);
    for (const r of [walked, histogram, large]) expect(r.tables.every((t) => t.status === 'match')).toBe(true);
  });

  it('one connection per side, each statement bounded by statement_timeout', async () => {
    const locker = new pg.Client({ connectionString: fixture.base.url });
    await locker.connect();
    try {
      await locker.query('begin; lock table public.tenants in access exclusive mode');
      const running = compareContent(fixture.source.url, fixture.base.url, { ...FAST, statementTimeoutMs: 1500, tables: ['public.tenants'] });
      let sessions: Record<string, unknown>[] = [];
      for (let i = 0; i < 50 && !sessions.some((s) => s.waiting); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Other test files compare other databases at the same time: count this comparison's only.
        sessions = await sql(ADMIN_URL, `select datname, wait_event_type = 'Lock' as waiting from pg_stat_activity where application_name = 'drill content parity' and datname = any($1)`, [[fixture.base.name, fixture.source.name]]);
      }
      expect(sessions.map((s) => s.datname).sort()).toEqual([fixture.base.name, fixture.source.name].sort());
      const r = await running;
      expect(table(r, 'public.tenants')).toMatchObject({ status: 'error', error: expect.stringMatching(/statement timeout/) });
    } finally {
      await locker.query('rollback').catch(() => {});
      await locker.end();
    }
  });

  it('a table missing in the new database is an error for that table', async () => {
    const copy = await faulty(`drop table public.audit_events`);
    const r = await compareContent(fixture.source.url, copy.url, FAST);
    expect(table(r, 'public.audit_events')).toMatchObject({ status: 'error', error: 'the table is missing in the new database' });
  });

  it('a database compared with itself is refused', async () => {
    await expect(compareContent(fixture.source.url, fixture.source.url)).rejects.toThrow(SameDatabaseError);
  });
});

describe('the second look tells rows in flight from rows lost', () => {
  it('a row that lands during the pause is in flight, not a failure', async () => {
    const copy = await faulty(`create table public._held as select * from public.memberships where user_id = md5('user7')::uuid;
      delete from public.memberships where user_id = md5('user7')::uuid`);
    const r = await compareContent(fixture.source.url, copy.url, {
      recheckAfterMs: 0,
      tables: ['public.memberships'],
      // The write lands while drill waits for its second look, as a replicated write would.
      sleep: async () => void (await sql(copy.url, `insert into public.memberships select * from public._held`)),
    });
    expect(table(r, 'public.memberships')).toMatchObject({ status: 'in flight', differing: 0, inFlight: 1 });
  });

  it('a row still being written is told apart, and still fails', async () => {
    const copy = await faulty(`update public.projects set name = 'first write' where id = 8`);
    const r = await compareContent(fixture.source.url, copy.url, { recheckAfterMs: 0, sleep: async () => void (await sql(copy.url, `update public.projects set name = 'second write' where id = 8`)) });
    expect(table(r, 'public.projects')).toMatchObject({ status: 'differs', differing: 1, stillChanging: 1, firstKeys: [{ key: ['8'], kind: 'changed', stillChanging: true }] });
  });
});

describe('schemas and exclusions', () => {
  it('Supabase churn tables are left out by default and compared when the list is emptied', async () => {
    const copy = await faulty(`delete from auth.sessions where ctid in (select ctid from auth.sessions limit 5); update auth.refresh_tokens set revoked = true`);
    const exclude = parseConfig({}).validate.exclude;
    const byDefault = await compareContent(fixture.source.url, copy.url, { ...FAST, exclude });
    expect(byDefault.excluded).toEqual(expect.arrayContaining(['auth.sessions', 'auth.refresh_tokens']));
    expect(byDefault.tables.every((t) => t.status === 'match')).toBe(true);
    const everything = await compareContent(fixture.source.url, copy.url, { ...FAST, exclude: [] });
    expect(table(everything, 'auth.sessions')).toMatchObject({ differing: 5, kinds: { missing: 5 } });
    expect(table(everything, 'auth.refresh_tokens').differing).toBe(90);
  });

  it('configured schemas narrow the comparison', async () => {
    const r = await compareContent(fixture.source.url, fixture.base.url, { ...FAST, schemas: ['storage'] });
    expect(r.tables.map((t) => t.table)).toEqual(['storage.buckets', 'storage.objects']);
  });

  it('docs/checks.md lists every default exclusion with its reason', () => {
    const doc = readFileSync(new URL('../docs/checks.md', import.meta.url), 'utf8');
    for (const e of DEFAULT_PARITY_EXCLUDE) expect(doc).toContain(`| \`${e.table}\` | ${e.reason} |`);
  });
});
