import type pg from 'pg';

/** Schemas that are Postgres itself: never compared. Everything else is, `auth` and `storage` included. */
export const SYSTEM_SCHEMA_FILTER = `nspname not like 'pg\\_%' and nspname <> 'information_schema'`;

/** Every non-system schema of a database, sorted. */
export async function userSchemas(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ s: string }>(`select nspname as s from pg_namespace where ${SYSTEM_SCHEMA_FILTER} order by 1`);
  return rows.map((r) => r.s);
}

/** The schemas to compare: the configured list, or every non-system schema the old database has. */
export async function resolveSchemas(client: pg.Client, configured: readonly string[] | undefined): Promise<string[]> {
  return configured ? [...configured] : userSchemas(client);
}

/**
 * A test for names against patterns where `*` matches any run of characters and everything
 * else is literal (`realtime.messages_*`, `function storage.*`).
 */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const regexes = patterns.map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (name) => regexes.some((r) => r.test(name));
}
