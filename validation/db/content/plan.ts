import type pg from 'pg';
import { qualify, quoteIdent } from '../connect.ts';
import { nameMatcher } from '../scope.ts';

export interface Column {
  name: string;
  /** format_type: the type as written, for casts of key values. */
  type: string;
  /** The expression that goes into the row hash (see hashExpression). */
  expr: string;
}

/** How one table is read on both sides. */
export interface TablePlan {
  name: string;
  schema: string;
  relname: string;
  /** `only "s"."t"`, or `"s"."t"` for a partitioned table, whose rows live in its partitions. */
  from: string;
  partitioned: boolean;
  /** Primary-key columns in index order; empty when the table has none. */
  key: Column[];
  columns: Column[];
}

/**
 * Types whose hash function hashes the value itself, the same way on every server (they back
 * hash indexes, which survive pg_upgrade). Everything else goes through its text form:
 * enums and reg* types hash their oids, which differ between databases; citext hashes
 * lower-cased text and jsonb ignores structure in places, so a change there could hash equal.
 */
const HASHED_BY_VALUE = new Set(['int2', 'int4', 'int8', 'bool', 'text', 'varchar', 'bpchar', 'name', 'char', 'uuid', 'bytea', 'date', 'time', 'timestamp', 'timestamptz', 'float4', 'float8', 'numeric', 'inet', 'cidr', 'macaddr', 'oid']);
const TEXT_LIKE = new Set(['text', 'varchar', 'bpchar', 'name']);

interface ColumnRow {
  table: string;
  schema: string;
  relname: string;
  relkind: string;
  attname: string;
  type: string;
  base: string;
  base_type: string;
  elem: string | null;
  pk_pos: number | null;
}

/** The row-hash input for one column, chosen by its (base) type. */
export function columnExpression(row: Pick<ColumnRow, 'attname' | 'type' | 'base' | 'base_type' | 'elem'>, nativeHash: boolean): string {
  const col = quoteIdent(row.attname);
  if (!nativeHash) return `${col}::text`;
  const scalar = HASHED_BY_VALUE.has(row.base);
  const array = row.elem !== null && HASHED_BY_VALUE.has(row.elem);
  if (!scalar && !array) return `${col}::text`;
  // A domain is hashed as its base type; text is compared byte for byte (collation "C"),
  // so a case-insensitive collation cannot make two different strings hash equal.
  const typed = row.type === row.base_type ? col : `${col}::${row.base_type}`;
  return TEXT_LIKE.has(row.base) || (row.elem !== null && TEXT_LIKE.has(row.elem)) ? `(${typed} collate "C")` : typed;
}

/** The 64-bit hash of a whole row: per-column hashes combined, then mixed, so swapped values between rows still change the sum. */
export function rowHash(columns: readonly Column[], nativeHash: boolean): string {
  const row = `row(${columns.map((c) => c.expr).join(', ')})`;
  return nativeHash ? `hashint8extended(hash_record_extended(${row}, 0), 0)` : `hashtextextended(${row}::text, 0)`;
}

/**
 * The tables to compare: ordinary and partitioned tables of `schemas` (partitions are read
 * through their parent, once), minus the excluded ones, or exactly `only` when given.
 */
export async function planTables(
  client: pg.Client,
  schemas: readonly string[],
  options: { exclude: readonly string[]; only?: readonly string[]; nativeHash: boolean },
): Promise<{ plans: TablePlan[]; excluded: string[] }> {
  const { rows } = await client.query<ColumnRow>(
    `select n.nspname || '.' || c.relname as table, n.nspname as schema, c.relname, c.relkind, a.attname,
            format_type(a.atttypid, a.atttypmod) as type,
            coalesce(bt.typname, t.typname) as base,
            format_type(coalesce(bt.oid, t.oid), case when bt.oid is not null then t.typtypmod else a.atttypmod end) as base_type,
            (select et.typname from pg_type et where et.oid = coalesce(bt.typelem, t.typelem) and coalesce(bt.typcategory, t.typcategory) = 'A') as elem,
            (select k.ord from pg_index i cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
              where i.indrelid = c.oid and i.indisprimary and k.attnum = a.attnum) as pk_pos
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_type t on t.oid = a.atttypid left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
      where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1)
        and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
      order by 1, a.attnum`,
    [schemas],
  );
  const excludedBy = nameMatcher(options.exclude);
  const wanted = options.only ? new Set(options.only) : null;
  const byTable = new Map<string, ColumnRow[]>();
  for (const row of rows) byTable.set(row.table, [...(byTable.get(row.table) ?? []), row]);
  const plans: TablePlan[] = [];
  const excluded: string[] = [];
  for (const [table, cols] of byTable) {
    if (wanted ? !wanted.has(table) : excludedBy(table)) {
      excluded.push(table);
      continue;
    }
    const first = cols[0]!;
    const column = (r: ColumnRow): Column => ({ name: r.attname, type: r.type, expr: columnExpression(r, options.nativeHash) });
    plans.push({
      name: table,
      schema: first.schema,
      relname: first.relname,
      from: first.relkind === 'p' ? qualify(first.schema, first.relname) : `only ${qualify(first.schema, first.relname)}`,
      partitioned: first.relkind === 'p',
      key: cols.filter((c) => c.pk_pos !== null).sort((a, b) => a.pk_pos! - b.pk_pos!).map(column),
      columns: cols.map(column),
    });
  }
  return { plans, excluded: wanted ? [] : excluded };
}
