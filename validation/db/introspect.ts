import type pg from 'pg';

/** A database's shape as comparable strings, one set per kind of object. */
export type SchemaShape = Record<SchemaKind, Set<string>>;
export const SCHEMA_KINDS = ['tables', 'columns', 'indexes', 'constraints', 'functions', 'triggers', 'policies', 'extensions'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/**
 * Descriptors are built so equal objects print equal on two servers: qualified names,
 * types via format_type, definitions via pg_get_*def, function bodies as md5.
 */
const QUERIES: Record<SchemaKind, string> = {
  tables: `select n.nspname || '.' || c.relname || case when c.relrowsecurity then ' rls' else '' end as d
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and n.nspname = any($1)`,
  columns: `select n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || case when a.attnotnull then ' not null' else '' end
                   || case when a.attidentity <> '' then ' identity' else '' end as d
              from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and n.nspname = any($1)`,
  indexes: `select schemaname || '.' || tablename || ' ' || indexdef as d from pg_indexes where schemaname = any($1)`,
  constraints: `select n.nspname || '.' || c.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid) as d
                  from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = any($1)`,
  functions: `select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc) as d
                from pg_proc p join pg_namespace n on n.oid = p.pronamespace
               where n.nspname = any($1) and p.prokind in ('f', 'p')
                 and not exists (select 1 from pg_depend dep where dep.objid = p.oid and dep.deptype = 'e')`,
  triggers: `select n.nspname || '.' || c.relname || ' ' || pg_get_triggerdef(t.oid) as d
               from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
              where not t.tgisinternal and n.nspname = any($1)`,
  policies: `select schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || array_to_string(roles, ',')
                    || ' using ' || coalesce(qual, '-') || ' check ' || coalesce(with_check, '-') as d
               from pg_policies where schemaname = any($1)`,
  // Names only: a new project's image often ships newer extension versions (reported apart).
  extensions: `select extname as d from pg_extension where $1::text[] is not null`,
};

export async function introspect(client: pg.Client, schemas: readonly string[]): Promise<SchemaShape> {
  const shape = {} as SchemaShape;
  for (const kind of SCHEMA_KINDS) {
    const { rows } = await client.query<{ d: string }>(QUERIES[kind], [schemas]);
    shape[kind] = new Set(rows.map((r) => r.d));
  }
  return shape;
}

export interface ShapeDiff {
  kind: SchemaKind;
  /** In the old database, not in the new one. */
  missing: string[];
  /** In the new database only. */
  extra: string[];
}

export function diffShapes(old: SchemaShape, next: SchemaShape): ShapeDiff[] {
  return SCHEMA_KINDS.map((kind) => ({
    kind,
    missing: [...old[kind]].filter((d) => !next[kind].has(d)).sort(),
    extra: [...next[kind]].filter((d) => !old[kind].has(d)).sort(),
  })).filter((d) => d.missing.length || d.extra.length);
}

/** Extension versions by name, to report version drift without failing parity on it. */
export async function extensionVersions(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ n: string; v: string }>('select extname as n, extversion as v from pg_extension');
  return new Map(rows.map((r) => [r.n, r.v]));
}

/** Tables in the given schemas, as schema.table. */
export async function listTables(client: pg.Client, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ t: string }>(
    `select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = any($1) order by 1`,
    [schemas],
  );
  return rows.map((r) => r.t);
}
