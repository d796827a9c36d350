import pg from 'pg';

/**
 * One short-lived connection per check, with timeouts: a refused or hanging database makes
 * that check `error` while the others go on. Statement timeout guards huge counts.
 */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, statement_timeout: 60_000, query_timeout: 65_000 });
  // A connection dropped mid-query surfaces as that query's rejection; keep the process alive.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Quotes `schema.table` as identifiers. */
export function quoteQualified(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
