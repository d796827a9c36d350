import type pg from 'pg';
import { UsageError } from '../../core/errors.ts';
import { withClient } from './connect.ts';

/** What tells one database apart from another, even behind different URLs (pooler, direct, IP). */
export interface DatabaseIdentity {
  /** pg_control_system(): set by initdb, shared by physical copies (replicas, PITR restores). Null when not readable. */
  systemIdentifier: string | null;
  databaseOid: number;
  database: string;
  /** pg_postmaster_start_time(): two running servers never share it, even when one is a physical copy. */
  serverStartedAt: string;
  serverVersionNum: number;
}

export async function readIdentity(client: pg.Client): Promise<DatabaseIdentity> {
  const { rows } = await client.query(
    `select d.oid::int as oid, current_database() as name, pg_postmaster_start_time()::text as started,
            current_setting('server_version_num')::int as version
       from pg_database d where d.datname = current_database()`,
  );
  // pg_control_system() may be revoked from PUBLIC on a managed server; the rest still decides.
  const sysid = await client
    .query(`select system_identifier::text as s from pg_control_system()`)
    .then((r) => String(r.rows[0].s))
    .catch(() => null);
  return { systemIdentifier: sysid, databaseOid: rows[0].oid, database: rows[0].name, serverStartedAt: rows[0].started, serverVersionNum: rows[0].version };
}

/**
 * The same database: the same system identifier and the same database oid. A physical copy
 * (a PITR restore, a promoted replica, a binary copy) shares both, but it runs as a server of
 * its own, started at its own time; comparing it with its original is legitimate (a restore
 * drill does exactly that), so the start time decides between the two.
 */
export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  return a.systemIdentifier === b.systemIdentifier && a.databaseOid === b.databaseOid && a.serverStartedAt === b.serverStartedAt;
}

/** True when both share a system identifier and an oid but run as separate servers. */
export function physicalCopy(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  return a.systemIdentifier !== null && a.systemIdentifier === b.systemIdentifier && a.databaseOid === b.databaseOid && !sameDatabase(a, b);
}

/** Comparing a database with itself always "passes": refused, naming the fix. Exit 2 in the CLI. */
export class SameDatabaseError extends UsageError {
  constructor(identity: DatabaseIdentity) {
    super(
      `the old and the new database are the same database (${identity.database}, system identifier ${identity.systemIdentifier ?? 'unreadable'}, database oid ${identity.databaseOid}): ` +
        'point SOURCE_DATABASE_URL (--source-database-url) at the old project and DATABASE_URL (--database-url) at the new one',
      'E_SAME_DATABASE',
    );
    this.name = 'SameDatabaseError';
  }
}

/** Throws SameDatabaseError when the two clients reach one database; returns both identities otherwise. */
export async function assertDistinct(old: pg.Client, next: pg.Client): Promise<{ old: DatabaseIdentity; new: DatabaseIdentity }> {
  const [a, b] = await Promise.all([readIdentity(old), readIdentity(next)]);
  if (sameDatabase(a, b)) throw new SameDatabaseError(a);
  return { old: a, new: b };
}

/**
 * The same refusal by URL, before anything runs. A database that cannot be reached is not
 * decided here: the checks report it.
 */
export async function refuseSameDatabase(oldUrl: string | undefined, newUrl: string | undefined): Promise<void> {
  if (!oldUrl || !newUrl) return;
  const read = (url: string) => withClient(url, readIdentity).catch(() => null);
  const [a, b] = await Promise.all([read(oldUrl), read(newUrl)]);
  if (a && b && sameDatabase(a, b)) throw new SameDatabaseError(a);
}
