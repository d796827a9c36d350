/**
 * One query per kind of catalogue object. Each row is one object: `name` names it the way an
 * operator would (`tenant_read on public.projects`), `attrs` holds what is compared, `meta`
 * what the diff needs to judge an extra object (is it on an object both sides have, does it
 * run with its owner's rights). Definitions come from pg_get_*def and format_type, so equal
 * objects print equal on two servers of the same major version. Objects that belong to an
 * extension are left out: the extension (and its version) is compared instead.
 * $1 is the list of schemas compared.
 */
export const CATALOGUE_KINDS = [
  'schema',
  'table',
  'column',
  'index',
  'constraint',
  'sequence',
  'view',
  'type',
  'function',
  'trigger',
  'policy',
  'privilege',
  'default privilege',
  'role',
  'membership',
  'publication',
  'publication member',
  'extension',
] as const;
export type CatalogueKind = (typeof CATALOGUE_KINDS)[number];

const notExtensionMember = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend dep where dep.classid = '${catalog}'::regclass and dep.objid = ${oid} and dep.deptype = 'e')`;

const rel = `n.nspname || '.' || c.relname`;
const grantee = (col: string) => `case when ${col} = 0 then 'PUBLIC' else pg_get_userbyid(${col}) end`;

/** The kinds of relation pg_class holds, as the words the summaries use. */
const relkindWord = `case c.relkind when 'r' then 'table' when 'p' then 'table' when 'f' then 'foreign table' when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' end`;

export const CATALOGUE_QUERIES: Record<CatalogueKind, (serverVersionNum: number) => string> = {
  schema: () => `select nspname as name, '{}'::jsonb as attrs, null::jsonb as meta from pg_namespace where nspname = any($1)`,

  table: () => `
    select ${rel} as name,
           jsonb_build_object(
             'kind', case c.relkind when 'p' then 'partitioned table' when 'f' then 'foreign table' else 'table' end,
             'row level security', c.relrowsecurity,
             'forced row level security', c.relforcerowsecurity,
             'unlogged', c.relpersistence = 'u',
             'parent', (select pn.nspname || '.' || pc.relname from pg_inherits i join pg_class pc on pc.oid = i.inhparent
                          join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid order by i.inhseqno limit 1),
             'partition bound', pg_get_expr(c.relpartbound, c.oid),
             'partition key', case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end,
             'replica identity', case c.relreplident when 'd' then 'default' when 'n' then 'nothing' when 'f' then 'full' when 'i' then 'index' end
           ) as attrs, null::jsonb as meta
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'f') and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  column: () => `
    select ${rel} || '.' || a.attname as name,
           jsonb_build_object(
             'type', format_type(a.atttypid, a.atttypmod),
             'not null', a.attnotnull,
             'default', case when a.attgenerated = '' then pg_get_expr(ad.adbin, ad.adrelid) end,
             'generated', case when a.attgenerated <> '' then pg_get_expr(ad.adbin, ad.adrelid) end,
             'identity', case a.attidentity when 'a' then 'always' when 'd' then 'by default' end,
             'collation', case when a.attcollation <> t.typcollation then cn.nspname || '.' || co.collname end
           ) as attrs, null::jsonb as meta
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      join pg_type t on t.oid = a.atttypid
      left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
      left join pg_collation co on co.oid = a.attcollation left join pg_namespace cn on cn.oid = co.collnamespace
     where c.relkind in ('r', 'p', 'f') and a.attnum > 0 and not a.attisdropped and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  index: () => `
    select n.nspname || '.' || ic.relname as name,
           jsonb_build_object('table', ${rel}, 'definition', pg_get_indexdef(ic.oid)) as attrs, null::jsonb as meta
      from pg_index x join pg_class ic on ic.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
      join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  constraint: () => `
    select con.conname || ' on ' || ${rel} as name,
           jsonb_build_object('definition', pg_get_constraintdef(con.oid)) as attrs, null::jsonb as meta
      from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
     where con.conrelid <> 0 and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  sequence: () => `
    select ${rel} as name,
           jsonb_build_object('type', format_type(s.seqtypid, null), 'start', s.seqstart::text, 'increment', s.seqincrement::text,
                              'minimum', s.seqmin::text, 'maximum', s.seqmax::text, 'cycle', s.seqcycle) as attrs, null::jsonb as meta
      from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  view: () => `
    select ${rel} as name,
           jsonb_build_object(
             'kind', ${relkindWord},
             'definition', pg_get_viewdef(c.oid, true),
             'options', (select string_agg(o, ', ' order by o) from unnest(c.reloptions) o),
             'populated', case when c.relkind = 'm' then c.relispopulated end
           ) as attrs,
           jsonb_build_object('ownerRights', not coalesce(c.reloptions @> array['security_invoker=true'] or c.reloptions @> array['security_invoker=on'], false)) as meta
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('v', 'm') and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  type: () => `
    select n.nspname || '.' || t.typname as name,
           case t.typtype
             when 'e' then jsonb_build_object('kind', 'enum', 'labels', (select jsonb_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid))
             when 'd' then jsonb_build_object('kind', 'domain', 'base type', format_type(t.typbasetype, t.typtypmod), 'not null', t.typnotnull,
                             'default', t.typdefault,
                             'checks', (select jsonb_agg(con.conname || ': ' || pg_get_constraintdef(con.oid) order by con.conname) from pg_constraint con where con.contypid = t.oid))
             else jsonb_build_object('kind', 'composite',
                             'attributes', (select jsonb_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) order by a.attnum)
                                              from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped))
           end as attrs, null::jsonb as meta
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname = any($1) and ${notExtensionMember('pg_type', 't.oid')}
       and (t.typtype in ('e', 'd') or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))`,

  function: (v) => `
    select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name,
           jsonb_build_object(
             'kind', case p.prokind when 'p' then 'procedure' else 'function' end,
             'language', l.lanname,
             'returns', pg_get_function_result(p.oid),
             'body', md5(coalesce(${v >= 140000 ? `case when p.prosqlbody is not null then pg_get_function_sqlbody(p.oid) end,` : ''} p.prosrc, '') || coalesce(p.probin, '')),
             'security definer', p.prosecdef,
             'settings', (select string_agg(s, ', ' order by s) from unnest(p.proconfig) s),
             'volatility', case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end,
             'strict', p.proisstrict,
             'leakproof', p.proleakproof,
             'parallel', case p.proparallel when 's' then 'safe' when 'r' then 'restricted' else 'unsafe' end,
             'runs as', case when p.prosecdef then pg_get_userbyid(p.proowner) end
           ) as attrs,
           jsonb_build_object('ownerRights', p.prosecdef) as meta
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
     where p.prokind in ('f', 'p') and n.nspname = any($1) and ${notExtensionMember('pg_proc', 'p.oid')}`,

  trigger: () => `
    select t.tgname || ' on ' || ${rel} as name,
           jsonb_build_object('definition', pg_get_triggerdef(t.oid),
                              'enabled', case t.tgenabled when 'O' then 'enabled' when 'D' then 'disabled' when 'R' then 'replica only' when 'A' then 'always' end) as attrs,
           null::jsonb as meta
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where not t.tgisinternal and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}`,

  policy: () => `
    select pol.polname || ' on ' || ${rel} as name,
           jsonb_build_object(
             'command', case pol.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE' when 'd' then 'DELETE' else 'ALL' end,
             'roles', (select string_agg(${grantee('r')}, ', ' order by ${grantee('r')}) from unnest(pol.polroles) r),
             'permissive', case when pol.polpermissive then 'permissive' else 'restrictive' end,
             'using', pg_get_expr(pol.polqual, pol.polrelid),
             'with check', pg_get_expr(pol.polwithcheck, pol.polrelid)
           ) as attrs,
           jsonb_build_object('table', ${rel}, 'permissive', pol.polpermissive) as meta
      from pg_policy pol join pg_class c on c.oid = pol.polrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1)`,

  // The owner's own privileges are left out: owners differ after a restore as another role,
  // and an owner holds every privilege anyway. NULL ACLs are expanded to their defaults
  // (acldefault), so "never granted" and "granted exactly the default" compare equal.
  privilege: () => `
    with grants as (
      select ${relkindWord} as on_kind, ${rel} as on_name,
             case when c.relkind in ('v', 'm') then 'view' when c.relkind = 'S' then 'sequence' else 'table' end as ref_kind, null::text as col,
             a.grantee, a.privilege_type, a.is_grantable, c.relowner as owner
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(coalesce(c.relacl, acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char", c.relowner))) a
       where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}
      union all
      select ${relkindWord}, ${rel}, case when c.relkind in ('v', 'm') then 'view' else 'table' end, at.attname, a.grantee, a.privilege_type, a.is_grantable, c.relowner
        from pg_attribute at join pg_class c on c.oid = at.attrelid join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(at.attacl) a
       where at.attacl is not null and at.attnum > 0 and not at.attisdropped and n.nspname = any($1) and ${notExtensionMember('pg_class', 'c.oid')}
      union all
      select case p.prokind when 'p' then 'procedure' else 'function' end, n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             'function', null, a.grantee, a.privilege_type, a.is_grantable, p.proowner
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
       where p.prokind in ('f', 'p') and n.nspname = any($1) and ${notExtensionMember('pg_proc', 'p.oid')}
      union all
      select 'schema', n.nspname, 'schema', null, a.grantee, a.privilege_type, a.is_grantable, n.nspowner
        from pg_namespace n cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
       where n.nspname = any($1)
    )
    select privilege_type || coalesce(' (' || col || ')', '') || ' on ' || on_kind || ' ' || on_name || ' to ' || ${grantee('grantee')} as name,
           jsonb_build_object('with grant option', is_grantable) as attrs,
           jsonb_build_object('refKind', ref_kind, 'refName', on_name, 'grantee', ${grantee('grantee')}) as meta
      from grants where grantee <> owner`,

  'default privilege': () => `
    select 'on ' || case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions' when 'T' then 'types' when 'n' then 'schemas' end
             || coalesce(' in schema ' || n.nspname, ' in every schema') || ' for objects created by ' || pg_get_userbyid(d.defaclrole) as name,
           jsonb_build_object('grants', (select string_agg(g, ', ' order by g) from (
               select ${grantee('a.grantee')} || ' ' || a.privilege_type || case when a.is_grantable then ' with grant option' else '' end as g
                 from aclexplode(d.defaclacl) a where a.grantee <> d.defaclrole) gs)) as attrs,
           null::jsonb as meta
      from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
     where d.defaclnamespace = 0 or n.nspname = any($1)`,

  // Roles and memberships are the cluster's, not one database's; Postgres's own pg_* roles are left out.
  role: () => `
    select r.rolname as name,
           jsonb_build_object('superuser', r.rolsuper, 'inherit', r.rolinherit, 'create role', r.rolcreaterole, 'create database', r.rolcreatedb,
                              'login', r.rolcanlogin, 'replication', r.rolreplication, 'bypass row level security', r.rolbypassrls,
                              'settings', (select string_agg(s, ', ' order by s) from pg_db_role_setting rs cross join lateral unnest(rs.setconfig) s
                                            where rs.setrole = r.oid and rs.setdatabase in (0, (select oid from pg_database where datname = current_database())))) as attrs,
           null::jsonb as meta
      from pg_roles r where r.rolname not like 'pg\\_%' and $1::text[] is not null`,

  membership: () => `
    select pg_get_userbyid(m.roleid) || ' granted to ' || pg_get_userbyid(m.member) as name,
           jsonb_build_object('admin option', m.admin_option) as attrs, null::jsonb as meta
      from pg_auth_members m where pg_get_userbyid(m.member) not like 'pg\\_%' and $1::text[] is not null`,

  publication: () => `
    select p.pubname as name,
           jsonb_build_object('all tables', p.puballtables, 'insert', p.pubinsert, 'update', p.pubupdate, 'delete', p.pubdelete,
                              'truncate', p.pubtruncate, 'via partition root', p.pubviaroot) as attrs, null::jsonb as meta
      from pg_publication p where $1::text[] is not null`,

  'publication member': (v) => `
    select ${rel} || ' in ' || p.pubname as name,
           jsonb_build_object(${v >= 150000 ? `'columns', (select string_agg(a.attname, ', ' order by a.attnum) from pg_attribute a where a.attrelid = c.oid and a.attnum = any(pr.prattrs)), 'row filter', pg_get_expr(pr.prqual, pr.prrelid)` : ''}) as attrs,
           null::jsonb as meta
      from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid join pg_class c on c.oid = pr.prrelid join pg_namespace n on n.oid = c.relnamespace
     where $1::text[] is not null
    ${v >= 150000 ? `union all
    select 'schema ' || n.nspname || ' in ' || p.pubname, '{}'::jsonb, null::jsonb
      from pg_publication_namespace pn join pg_publication p on p.oid = pn.pnpubid join pg_namespace n on n.oid = pn.pnnspid` : ''}`,

  extension: () => `
    select e.extname as name, jsonb_build_object('version', e.extversion, 'schema', n.nspname) as attrs, null::jsonb as meta
      from pg_extension e join pg_namespace n on n.oid = e.extnamespace where $1::text[] is not null`,
};
