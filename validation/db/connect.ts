import pg from 'pg';

export interface ClientOptions {
  /** Server-side limit per statement; a runaway query on production is cancelled. */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity, so an operator can see (and stop) drill's sessions. */
  applicationName?: string;
}

/**
 * One short-lived connection per check, with timeouts: a refused or hanging database makes
 * that check `error` while the others go on. Statement timeout guards huge counts.
 */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, options: ClientOptions = {}): Promise<T> {
  const statementTimeout = options.statementTimeoutMs ?? 60_000;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    statement_timeout: statementTimeout,
    // The client gives up a little after the server would have, so the server's clearer error wins.
    query_timeout: statementTimeout + 5000,
    application_name: options.applicationName ?? 'drill validate',
  });
  // A connection dropped mid-query surfaces as that query's rejection; keep the process alive.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Quotes one identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes `schema.table` as identifiers. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

/** A schema and a relation name, quoted, as one qualified name. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** One connection to each side for the length of `fn`; both are closed whatever happens. */
export async function withBoth<T>(oldUrl: string, newUrl: string, fn: (old: pg.Client, next: pg.Client) => Promise<T>, options: ClientOptions = {}): Promise<T> {
  return withClient(oldUrl, (old) => withClient(newUrl, (next) => fn(old, next), options), options);
}
