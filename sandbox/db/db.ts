import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The sandbox's database: real Postgres over pg, or PGlite embedded in-process when no
 * DATABASE_URL is given, so the README's first command needs no service.
 *
 * PGlite is a single Postgres session. Its socket server multiplexes every client over
 * that one session, so explicit transactions from several connections would interleave.
 * The sandbox therefore never opens a transaction across statements: every queue
 * operation (claim, complete, fail) is one statement.
 */
export interface Db {
  readonly kind: 'postgres' | 'pglite';
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` on one connection (session-level locks, multi-statement scripts). */
  session<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function connectPostgres(url: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    async query<R>(text: string, params?: unknown[]) {
      const result = await pool.query(text, params as unknown[]);
      return result.rows as R[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async session<T>(fn: (db: Db) => Promise<T>) {
      const client = await pool.connect();
      const db: Db = {
        kind: 'postgres',
        query: async <R>(text: string, params?: unknown[]) => (await client.query(text, params as unknown[])).rows as R[],
        exec: async (sql: string) => void (await client.query(sql)),
        session: (inner) => inner(db),
        close: async () => {},
      };
      try {
        return await fn(db);
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

export interface EmbeddedDb extends Db {
  readonly pglite: PGlite;
  /** Opens PGlite's socket server so pg clients (drill validate, psql) can reach it. */
  expose(options: { host: string; port: number }): Promise<string>;
  /** A binary copy of the whole database (what a region move restores from). */
  dump(): Promise<Blob | File>;
}

/** PGlite in-process: in memory, in `dataDir`, or loaded from a data-directory dump (a binary copy). */
export async function openEmbedded(source?: string | { dump: Blob | File }): Promise<EmbeddedDb> {
  const pglite = await PGlite.create(typeof source === 'string' ? { dataDir: source } : source ? { loadDataDir: source.dump } : {});
  let server: PGLiteSocketServer | null = null;
  const db: EmbeddedDb = {
    kind: 'pglite',
    pglite,
    async query<R>(text: string, params?: unknown[]) {
      const result = await pglite.query<R>(text, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await pglite.exec(sql);
    },
    session: (fn) => fn(db),
    dump: () => pglite.dumpDataDir('none'),
    async expose({ host, port }) {
      // maxConnections > 1 multiplexes clients over the one session (see the note above).
      server = new PGLiteSocketServer({ db: pglite, host, port, maxConnections: 16 });
      await server.start();
      const address = server.getServerConn();
      return `postgres://postgres@${address}/postgres`;
    },
    async close() {
      if (server) await server.stop();
      await pglite.close();
    },
  };
  return db;
}
