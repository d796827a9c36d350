import type pg from 'pg';
import { quoteIdent } from '../db/connect.ts';
import { SYSTEM_SCHEMA_FILTER } from '../db/scope.ts';

/**
 * What the scratch database already holds. A fresh `create database` has an empty `public`
 * schema and nothing else; anything more would mix with the restore and make its parity
 * meaningless, so drill refuses it unless told to clear it (--replace).
 */
export async function scratchContents(client: pg.Client): Promise<{ objects: number; first: string[] }> {
  const { rows } = await client.query<{ name: string }>(
    `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${SYSTEM_SCHEMA_FILTER.replace(/nspname/g, 'n.nspname')} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
     union all
     select n.nspname || '.' || p.proname || '()' from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where ${SYSTEM_SCHEMA_FILTER.replace(/nspname/g, 'n.nspname')}
     union all
     select 'schema ' || nspname from pg_namespace where ${SYSTEM_SCHEMA_FILTER} and nspname <> 'public'
     order by 1`,
  );
  return { objects: rows.length, first: rows.slice(0, 5).map((r) => r.name) };
}

/**
 * Clears the scratch database for a new restore: every non-system schema dropped, and
 * `public` recreated as a fresh database has it (owned by pg_database_owner, usable by all),
 * so the restored schema's owner and grants compare as the source's do.
 */
export async function clearScratch(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ s: string }>(`select nspname as s from pg_namespace where ${SYSTEM_SCHEMA_FILTER} order by 1`);
  for (const { s } of rows) await client.query(`drop schema ${quoteIdent(s)} cascade`);
  const version = Number((await client.query<{ v: string }>(`select current_setting('server_version_num') as v`)).rows[0]!.v);
  await client.query(version >= 150000 ? 'create schema public authorization pg_database_owner; grant usage on schema public to public' : 'create schema public; grant all on schema public to public');
}
