import type pg from 'pg';
import { qualify, quoteIdent } from '../db/connect.ts';
import { SYSTEM_SCHEMA_FILTER } from '../db/scope.ts';

/**
 * Columns that record when a row was written: created_at, updated_at, inserted_at,
 * modified_on, createdAt… Columns that hold planned times (scheduled_at, expires_at, run_at)
 * are left out: a future-dated value says nothing about when the data was current.
 */
export const WRITE_TIME_COLUMN = /^(created|updated|inserted|modified|changed|written|recorded|occurred|last_?modified|last_?updated|date_?created|date_?modified)(_?(at|on|time|ts|date))?$/i;

export interface NewestRow {
  table: string;
  column: string;
  at: string;
}

/**
 * The newest write time among every write-time column of every user table: how current the
 * restored data is when no dump time is known. Values later than the server's clock (plus
 * five minutes of skew) are ignored. Each column costs one `max()`.
 */
export async function newestRow(client: pg.Client, limitColumns = 500): Promise<NewestRow | null> {
  const { rows: columns } = await client.query<{ schema: string; table: string; column: string }>(
    `select n.nspname as schema, c.relname as table, a.attname as column
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition and a.attnum > 0 and not a.attisdropped
        and a.atttypid in ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
        and ${SYSTEM_SCHEMA_FILTER.replace(/nspname/g, 'n.nspname')}
      order by 1, 2, 3`,
  );
  let best: NewestRow | null = null;
  for (const c of columns.filter((col) => WRITE_TIME_COLUMN.test(col.column)).slice(0, limitColumns)) {
    const col = quoteIdent(c.column);
    const { rows } = await client.query<{ at: Date | null }>(
      `select max(${col})::timestamptz as at from ${qualify(c.schema, c.table)} where ${col}::timestamptz <= now() + interval '5 minutes'`,
    );
    const at = rows[0]?.at;
    if (at && (!best || at.getTime() > Date.parse(best.at))) best = { table: `${c.schema}.${c.table}`, column: c.column, at: at.toISOString() };
  }
  return best;
}
