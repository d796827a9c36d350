import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { openEmbedded, type EmbeddedDb } from '../sandbox/db/db.ts';
import type { SchemaDifference } from '../validation/db/catalogue/diff.ts';
import { compareDatabases } from '../validation/db/compare.ts';
import { SameDatabaseError } from '../validation/db/identity.ts';
import { compareSchemas } from '../validation/db/schema-compare.ts';
import { copyDatabase, faultInjectionFixture, type CopyMethod } from './helpers/tenant-app.ts';

/**
 * The schema catalogue on a multi-tenant app of our own (test/fixtures/tenant-app.sql):
 * faithful copies must show no difference at all, and each injected fault must be named,
 * with the right severity. Faults are grouped per copy (each difference is asserted on its
 * own) to keep the file fast; every copy is a template of a pg_dump | psql copy.
 */
const fixture = faultInjectionFixture();
const { faulty } = fixture;

function find(ds: SchemaDifference[], kind: string, object: string, field?: string) {
  const d = ds.find((x) => x.kind === kind && x.object === object && (field === undefined || x.field === field));
  expect(d, `${kind} ${object} ${field ?? ''} in ${JSON.stringify(ds.map((x) => `${x.kind} ${x.object} ${x.field ?? x.change}`))}`).toBeDefined();
  return d!;
}

describe('faithful copies pass: no false alarms', () => {
  const methods: CopyMethod[] = ['pg_dump | psql', 'pg_dump -Fc | pg_restore', 'pg_dump -Fd | pg_restore -j 2', 'create database … template'];
  it(`${methods.length} copies made ${methods.length} ways show no schema difference and no content difference`, async () => {
    const alarms: string[] = [];
    for (const method of methods) {
      const copy = method === 'pg_dump | psql' ? fixture.base : await copyDatabase(fixture.source, method);
      if (copy !== fixture.base) fixture.dropLater(copy);
      const r = await compareDatabases(fixture.source.url, copy.url, { recheckAfterMs: 50 });
      alarms.push(...r.schema.differences.map((d) => `${method}: ${d.severity} ${d.kind} ${d.object} ${d.field ?? d.change}`));
      alarms.push(...r.content.tables.filter((t) => t.status !== 'match').map((t) => `${method}: ${t.table} ${t.status} ${t.error ?? ''}`));
      expect(r.content.tables.length).toBeGreaterThanOrEqual(10);
    }
    expect(alarms).toEqual([]);
  }, 60_000);

  it('compares every non-system schema by default, auth and storage included', async () => {
    const r = await compareSchemas(fixture.source.url, fixture.base.url);
    expect(r.schemas).toEqual(['app', 'auth', 'extensions', 'public', 'storage']);
    expect(r.counts.policy).toBe(9);
  });
});

describe('security faults fail, naming the object', () => {
  let ds: SchemaDifference[];
  beforeAll(async () => {
    const copy = await faulty(`
      revoke select on public.projects from authenticated;
      drop policy project_read on public.projects;
      create policy project_read on public.projects as restrictive for select to authenticated using (app.is_member(tenant_id));
      alter function app.is_member(uuid) reset search_path;
      alter function app.tenant_total(uuid) security invoker;
      create policy anon_read_all on public.tenants for select to anon using (true);
      alter table public.time_entries disable row level security;
      alter table public.projects no force row level security;
      revoke update (settings) on public.tenants from authenticated;
      revoke usage on sequence public.invoice_id_seq from service_role;
      revoke usage on schema app from anon;
      grant execute on function app.tenant_total(uuid) to anon;
      grant select on public.invoices to anon;
      alter default privileges in schema public grant insert on tables to anon;
      alter policy time_own on public.time_entries with check (true);
      alter policy member_read on public.memberships to authenticated, anon;
      drop policy tenant_files_read on storage.objects;
    `);
    ds = (await compareSchemas(fixture.source.url, copy.url)).differences;
  }, 30_000);

  it('a revoked table grant to authenticated', () => {
    expect(find(ds, 'privilege', 'SELECT on table public.projects to authenticated')).toMatchObject({ change: 'missing', severity: 'fail' });
  });
  it('a policy re-created as RESTRICTIVE', () => {
    expect(find(ds, 'policy', 'project_read on public.projects', 'permissive')).toMatchObject({ old: 'permissive', new: 'restrictive', severity: 'fail' });
  });
  it('a SECURITY DEFINER function that lost its search_path, and one that became INVOKER', () => {
    expect(find(ds, 'function', 'app.is_member(t uuid)', 'settings')).toMatchObject({ old: 'search_path=""', new: null, severity: 'fail' });
    expect(find(ds, 'function', 'app.tenant_total(t uuid)', 'security definer')).toMatchObject({ old: 'true', new: 'false', severity: 'fail' });
  });
  it('an extra using (true) policy for anon is a failure, not a warning', () => {
    expect(find(ds, 'policy', 'anon_read_all on public.tenants')).toMatchObject({ change: 'extra', severity: 'fail', why: expect.stringMatching(/widens access/) });
  });
  it('RLS disabled, and FORCE dropped', () => {
    expect(find(ds, 'table', 'public.time_entries', 'row level security')).toMatchObject({ old: 'true', new: 'false', severity: 'fail' });
    expect(find(ds, 'table', 'public.projects', 'forced row level security')).toMatchObject({ old: 'true', new: 'false', severity: 'fail' });
  });
  it('column, sequence and schema grants', () => {
    expect(find(ds, 'privilege', 'UPDATE (settings) on table public.tenants to authenticated').severity).toBe('fail');
    expect(find(ds, 'privilege', 'USAGE on sequence public.invoice_id_seq to service_role').severity).toBe('fail');
    expect(find(ds, 'privilege', 'USAGE on schema app to anon').severity).toBe('fail');
  });
  it('extra grants on existing objects widen access: fail', () => {
    expect(find(ds, 'privilege', 'EXECUTE on function app.tenant_total(t uuid) to anon')).toMatchObject({ change: 'extra', severity: 'fail' });
    expect(find(ds, 'privilege', 'SELECT on table public.invoices to anon')).toMatchObject({ change: 'extra', severity: 'fail' });
  });
  it('an extra default privilege widens access to future objects', () => {
    expect(find(ds, 'default privilege', 'on tables in schema public for objects created by postgres', 'grants')).toMatchObject({ change: 'changed', severity: 'fail' });
  });
  it('policy WITH CHECK and roles', () => {
    expect(find(ds, 'policy', 'time_own on public.time_entries', 'with check')).toMatchObject({ old: '(user_id = auth.uid())', new: 'true' });
    expect(find(ds, 'policy', 'member_read on public.memberships', 'roles')).toMatchObject({ old: 'authenticated', new: 'anon, authenticated' });
  });
  it('a storage.objects policy dropped', () => {
    expect(find(ds, 'policy', 'tenant_files_read on storage.objects')).toMatchObject({ change: 'missing', severity: 'fail' });
  });
  it('every difference here fails', () => {
    expect(ds.filter((d) => d.severity !== 'fail').map((d) => `${d.kind} ${d.object}`)).toEqual([]);
  });
});

describe('object faults fail, naming the object', () => {
  let ds: SchemaDifference[];
  beforeAll(async () => {
    const copy = await faulty(`
      drop view public.project_overview;
      refresh materialized view public.tenant_revenue with no data;
      alter table public.projects alter column archived set default true;
      alter type public.member_role rename value 'viewer' to 'guest';
      alter domain public.currency_code drop constraint currency_code_check;
      alter domain public.currency_code add constraint currency_code_check check (value ~ '^[A-Z]{3,4}$');
      alter type public.postal_address add attribute region text;
      alter table public.time_entries drop column hours;
      alter table public.time_entries add column hours numeric generated always as (minutes / 60) stored;
      alter table public.time_entries alter column note type text collate "POSIX";
      alter function app.tenant_total(uuid) volatile;
      create or replace function public.touch_updated_at() returns trigger language plpgsql as $$ begin return new; end $$;
      alter table public.projects disable trigger projects_touch;
      drop trigger on_auth_user_created on auth.users;
      alter publication supabase_realtime drop table public.time_entries;
      drop extension pg_trgm;
      drop index public.time_entries_project_idx;
      alter table public.time_entries drop constraint time_entries_minutes_check;
    `);
    ds = (await compareSchemas(fixture.source.url, copy.url)).differences;
  }, 30_000);

  it('a view dropped; a materialized view left empty', () => {
    expect(find(ds, 'view', 'public.project_overview')).toMatchObject({ change: 'missing', severity: 'fail' });
    expect(find(ds, 'view', 'public.tenant_revenue', 'populated')).toMatchObject({ old: 'true', new: 'false', severity: 'fail' });
  });
  it('a column default changed; a generated expression changed; a collation changed', () => {
    expect(find(ds, 'column', 'public.projects.archived', 'default')).toMatchObject({ old: 'false', new: 'true' });
    expect(find(ds, 'column', 'public.time_entries.hours', 'generated')).toMatchObject({ old: 'round(((minutes)::numeric / 60.0), 2)', new: '(minutes / 60)' });
    expect(find(ds, 'column', 'public.time_entries.note', 'collation')).toMatchObject({ old: 'pg_catalog.C', new: 'pg_catalog.POSIX' });
  });
  it('an enum missing a value, a domain check changed, a composite type changed', () => {
    expect(find(ds, 'type', 'public.member_role', 'labels')).toMatchObject({ old: 'owner, admin, member, viewer', new: 'owner, admin, member, guest' });
    expect(find(ds, 'type', 'public.currency_code', 'checks').severity).toBe('fail');
    expect(find(ds, 'type', 'public.postal_address', 'attributes').new).toMatch(/region text$/);
  });
  it('function volatility and body', () => {
    expect(find(ds, 'function', 'app.tenant_total(t uuid)', 'volatility')).toMatchObject({ old: 'stable', new: 'volatile' });
    expect(find(ds, 'function', 'public.touch_updated_at()', 'body')).toMatchObject({ old: null, new: null, severity: 'fail' });
  });
  it('a trigger disabled; the auth.users trigger dropped', () => {
    expect(find(ds, 'trigger', 'projects_touch on public.projects', 'enabled')).toMatchObject({ old: 'enabled', new: 'disabled' });
    expect(find(ds, 'trigger', 'on_auth_user_created on auth.users')).toMatchObject({ change: 'missing', severity: 'fail' });
  });
  it('a table dropped from the Realtime publication', () => {
    expect(find(ds, 'publication member', 'public.time_entries in supabase_realtime')).toMatchObject({ change: 'missing', severity: 'fail' });
  });
  it('an extension, an index and a constraint missing', () => {
    expect(find(ds, 'extension', 'pg_trgm').change).toBe('missing');
    expect(find(ds, 'index', 'public.time_entries_project_idx').change).toBe('missing');
    expect(find(ds, 'constraint', 'time_entries_minutes_check on public.time_entries').change).toBe('missing');
  });
});

describe('more object faults', () => {
  it('a view redefined, a return type changed and a language changed fail', async () => {
    const copy = await faulty(`
      create or replace view public.project_overview with (security_invoker = true) as
        select p.tenant_id, p.id, p.name, count(t.id) as entries, coalesce(sum(t.minutes), 0) as minutes
          from public.projects p left join public.time_entries t on t.project_id = p.id and t.billable group by p.tenant_id, p.id, p.name;
      drop function app.tenant_total(uuid);
      create function app.tenant_total(t uuid) returns bigint language plpgsql stable security definer set search_path = ''
        as $$ begin return 0; end $$;
      revoke execute on function app.tenant_total(uuid) from public;
      grant execute on function app.tenant_total(uuid) to authenticated;
      alter view public.project_overview reset (security_invoker);
    `);
    const ds = (await compareSchemas(fixture.source.url, copy.url)).differences;
    expect(find(ds, 'view', 'public.project_overview', 'definition')).toMatchObject({ severity: 'fail', old: null, new: null });
    expect(find(ds, 'view', 'public.project_overview', 'options')).toMatchObject({ old: 'security_invoker=true', new: null });
    expect(find(ds, 'function', 'app.tenant_total(t uuid)', 'returns')).toMatchObject({ old: 'numeric', new: 'bigint' });
    expect(find(ds, 'function', 'app.tenant_total(t uuid)', 'language')).toMatchObject({ old: 'sql', new: 'plpgsql' });
  });

  it('an enum value the old database has and the new one lacks', async () => {
    // Enum values cannot be dropped: add one to a copy and treat that copy as the old side.
    const old = await faulty(`alter type public.invoice_state add value 'disputed'`);
    const ds = (await compareSchemas(old.url, fixture.base.url)).differences;
    expect(find(ds, 'type', 'public.invoice_state', 'labels')).toMatchObject({ old: 'draft, open, paid, void, disputed', new: 'draft, open, paid, void', severity: 'fail' });
  });
});

describe('extra objects are warnings unless they widen access', () => {
  it('an extra index, invoker function, restrictive policy, table and its grant warn; a grant on a new owner-rights view fails', async () => {
    const copy = await faulty(`
      create index projects_name_idx on public.projects (name);
      create function public.slugify(t text) returns text language sql immutable as $$ select lower(t) $$;
      create policy no_void on public.invoices as restrictive for select to authenticated using (state <> 'void');
      create table public.scratch (id int primary key);
      grant select on public.scratch to authenticated;
      create view public.all_invoices as select * from public.invoices;
      grant select on public.all_invoices to anon;
    `);
    const ds = (await compareSchemas(fixture.source.url, copy.url)).differences;
    for (const [kind, object] of [
      ['index', 'public.projects_name_idx'],
      ['function', 'public.slugify(t text)'],
      ['policy', 'no_void on public.invoices'],
      ['table', 'public.scratch'],
      ['privilege', 'SELECT on table public.scratch to authenticated'],
    ] as const) {
      expect(find(ds, kind, object)).toMatchObject({ change: 'extra', severity: 'warn' });
    }
    // The view runs with its owner's rights, bypassing RLS on invoices: granting it to anon widens access.
    expect(find(ds, 'privilege', 'SELECT on view public.all_invoices to anon')).toMatchObject({ change: 'extra', severity: 'fail' });
  });

  it("by default Realtime's daily partitions are accepted, and nothing else", async () => {
    const realtime = (day: string) => `create schema realtime;
      create table realtime.messages (id bigint, inserted_at date not null, topic text, primary key (id, inserted_at)) partition by range (inserted_at);
      create table realtime.messages_${day.replace(/-/g, '_')} partition of realtime.messages for values from ('${day}') to ('${day}'::date + 1);
      grant select on realtime.messages to authenticated;`;
    const [a, b] = [await faulty(realtime('2026-11-28')), await faulty(realtime('2026-11-29'))];
    const ignore = parseConfig({}).validate.schemaIgnore;
    const accepted = await compareSchemas(a.url, b.url, { ignore });
    expect(accepted.differences).toEqual([]);
    expect(accepted.ignored).toBeGreaterThan(4);
    const strict = await compareSchemas(a.url, b.url, { ignore: [] });
    expect(find(strict.differences, 'table', 'realtime.messages_2026_11_28')).toMatchObject({ change: 'missing', severity: 'fail' });
  });

  it('ignore patterns leave accepted differences out', async () => {
    const copy = await faulty(`create or replace function public.touch_updated_at() returns trigger language plpgsql as $$ begin return new; end $$`);
    const r = await compareSchemas(fixture.source.url, copy.url, { ignore: ['function public.touch_*'] });
    expect(r.differences).toEqual([]);
    expect(r.ignored).toBe(1);
  });
});

describe('which database is which', () => {
  it('a database compared with itself is refused, naming the fix', async () => {
    await expect(compareSchemas(fixture.source.url, fixture.source.url)).rejects.toThrow(SameDatabaseError);
    // Another URL to the same database (127.0.0.1 vs localhost) is still the same database.
    await expect(compareSchemas(fixture.source.url, fixture.source.url.replace('127.0.0.1', 'localhost'))).rejects.toThrow(/same database .*point SOURCE_DATABASE_URL/);
  });

  describe('a separate server: physical copies and role memberships (PGlite, its own cluster)', () => {
    let a: EmbeddedDb;
    let b: EmbeddedDb;
    let urls: [string, string];
    beforeAll(async () => {
      a = await openEmbedded();
      await a.exec(`create role anon nologin; create role authenticated nologin; create role service_role nologin bypassrls;
        create table public.notes (id int primary key, body text); insert into public.notes select g, 'n' || g from generate_series(1, 50) g;
        alter table public.notes enable row level security; grant select on public.notes to authenticated;`);
      // A binary copy: same system identifier and database oid, another running server.
      b = await openEmbedded({ dump: await a.dump() });
      urls = [await a.expose({ host: '127.0.0.1', port: 0 }), await b.expose({ host: '127.0.0.1', port: 0 })];
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('a physical copy is not the same database: it is compared, and passes', async () => {
      const r = await compareSchemas(...urls);
      expect(r.identity.physicalCopy).toBe(true);
      expect(r.identity.old.systemIdentifier).toBe(r.identity.new.systemIdentifier);
      expect(r.differences).toEqual([]);
    });

    it('a role membership only in the new database fails; a new BYPASSRLS fails', async () => {
      await b.exec(`grant service_role to authenticated; alter role anon bypassrls`);
      const ds = (await compareSchemas(...urls)).differences;
      expect(find(ds, 'membership', 'service_role granted to authenticated')).toMatchObject({ change: 'extra', severity: 'fail' });
      expect(find(ds, 'role', 'anon', 'bypass row level security')).toMatchObject({ old: 'false', new: 'true', severity: 'fail' });
    });
  });
});
