import type pg from 'pg';

/** Tables in the given schemas, as schema.table; partitions are left out (they are counted through their parent). */
export async function listTables(client: pg.Client, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ t: string }>(
    `select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1) order by 1`,
    [schemas],
  );
  return rows.map((r) => r.t);
}
