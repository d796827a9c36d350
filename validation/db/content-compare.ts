import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { describeError } from '../../core/errors.ts';
import { withBoth } from './connect.ts';
import { planTables, rowHash, type TablePlan } from './content/plan.ts';
import { TableSql, type Key } from './content/sql.ts';
import { TableWalk, type DiffKind, type FoundKey, type QueryCounts } from './content/table-diff.ts';
import { assertDistinct, physicalCopy, type DatabaseIdentity } from './identity.ts';
import { resolveSchemas } from './scope.ts';

export interface ContentOptions {
  /** Default: every non-system schema the old database has. */
  schemas?: readonly string[];
  /** Tables left out (`schema.table`, `*` wildcards). */
  exclude?: readonly string[];
  /** Compare exactly these tables instead. */
  tables?: readonly string[];
  /** Rows per hashed range: the most any one statement reads. */
  chunkSize?: number;
  statementTimeoutMs?: number;
  /** The pause before differing keys are looked at again. */
  recheckAfterMs?: number;
  /** Differing keys listed (and rechecked) per table. */
  maxKeys?: number;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

export interface TableContent {
  table: string;
  /** key ranges: bisected down to keys; whole table: no primary key, one hash for all rows. */
  method: 'key ranges' | 'whole table';
  key: string[];
  rows: { old: number; new: number };
  /** in flight: differed at the first look and matched after the pause. */
  status: 'match' | 'differs' | 'in flight' | 'error';
  /** Keys that still differ after the second look; null for a whole-table hash (rows cannot be told apart). */
  differing: number | null;
  /** False when the listing budget stopped the bisection: `differing` is then a lower bound. */
  exact: boolean;
  kinds: Record<DiffKind, number>;
  /** The first ten differing keys: key values only, never other columns. */
  firstKeys: { key: Key; kind: DiffKind; stillChanging: boolean }[];
  inFlight: number;
  /** Still differing, and changed on one side between the looks: rows still being written. */
  stillChanging: number;
  /** First-pass key ranges (bounded by chunkSize rows), and how many of them differed. */
  ranges: number;
  differingRanges: number;
  queries: QueryCounts;
  columnsOnlyInOld: string[];
  error: string | null;
  durationMs: number;
}

export interface ContentComparison {
  schemas: string[];
  identity: { old: DatabaseIdentity; new: DatabaseIdentity; physicalCopy: boolean };
  /** by type: each column hashed by its type's own hash function; text: through its text form (servers before 14). */
  hashing: 'by type' | 'text';
  excluded: string[];
  tables: TableContent[];
  queries: QueryCounts & { total: number };
  recheckAfterMs: number;
  durationMs: number;
}

/**
 * Session settings that fix the text form of values (time zone, date and interval styles,
 * float digits), so a column hashed through its text reads the same on both sides.
 */
const SESSION = `set timezone to 'UTC'; set datestyle to 'ISO'; set intervalstyle to 'postgres'; set extra_float_digits to 1; set bytea_output to 'hex'`;

const FIRST_KEYS = 10;
const RECHECK_BATCH = 500;

interface Pending {
  result: TableContent;
  walk: TableWalk | null;
  sql: TableSql | null;
}

/**
 * Row-level content of every table with a primary key, compared by key range on both sides
 * and bisected down to keys; tables without one by a whole-table hash. One connection per
 * side, every statement bounded by `chunkSize` rows and `statementTimeoutMs`; only counts,
 * hash sums, hashes and key values leave the servers. Throws SameDatabaseError when both
 * URLs reach one database.
 */
export async function compareContent(oldUrl: string, newUrl: string, options: ContentOptions = {}): Promise<ContentComparison> {
  const started = performance.now();
  const chunkSize = options.chunkSize ?? 10_000;
  const recheckAfterMs = options.recheckAfterMs ?? 2000;
  const maxKeys = Math.max(options.maxKeys ?? 10_000, FIRST_KEYS);
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  return withBoth(
    oldUrl,
    newUrl,
    async (oldClient, newClient) => {
      const identity = await assertDistinct(oldClient, newClient);
      await Promise.all([oldClient.query(SESSION), newClient.query(SESSION)]);
      const schemas = await resolveSchemas(oldClient, options.schemas);
      const nativeHash = identity.old.serverVersionNum >= 140000 && identity.new.serverVersionNum >= 140000;
      const { plans, excluded } = await planTables(oldClient, schemas, { exclude: options.exclude ?? [], only: options.tables, nativeHash });
      const onNew = new Map((await planTables(newClient, schemas, { exclude: [], nativeHash })).plans.map((p) => [p.name, p]));
      const pending: Pending[] = [];
      for (const plan of plans) {
        if (options.signal?.aborted) break;
        pending.push(await compareTable(plan, onNew.get(plan.name), oldClient, newClient, { chunkSize, maxKeys, signal: options.signal }, nativeHash));
      }
      if (pending.some((p) => p.walk && (p.walk.differing > 0 || p.walk.differingRanges > 0))) {
        // Rows still in flight (a write that had not landed yet) match on the second look; lost ones do not.
        await sleep(recheckAfterMs);
        for (const p of pending) await recheck(p, oldClient, newClient);
      }
      const tables = pending.map((p) => finish(p));
      const queries = tables.reduce((acc, t) => ({ scan: acc.scan + t.queries.scan, bisect: acc.bisect + t.queries.bisect, recheck: acc.recheck + t.queries.recheck }), { scan: 0, bisect: 0, recheck: 0 });
      return {
        schemas,
        identity: { ...identity, physicalCopy: physicalCopy(identity.old, identity.new) },
        hashing: nativeHash ? 'by type' : 'text',
        excluded,
        tables,
        queries: { ...queries, total: queries.scan + queries.bisect + queries.recheck },
        recheckAfterMs,
        durationMs: Math.round(performance.now() - started),
      };
    },
    { statementTimeoutMs: options.statementTimeoutMs, applicationName: 'drill content parity' },
  );
}

function emptyResult(plan: TablePlan): TableContent {
  return {
    table: plan.name,
    method: plan.key.length ? 'key ranges' : 'whole table',
    key: plan.key.map((k) => k.name),
    rows: { old: 0, new: 0 },
    status: 'match',
    differing: 0,
    exact: true,
    kinds: { missing: 0, extra: 0, changed: 0 },
    firstKeys: [],
    inFlight: 0,
    stillChanging: 0,
    ranges: 0,
    differingRanges: 0,
    queries: { scan: 0, bisect: 0, recheck: 0 },
    columnsOnlyInOld: [],
    error: null,
    durationMs: 0,
  };
}

async function compareTable(plan: TablePlan, onNew: TablePlan | undefined, old: pg.Client, next: pg.Client, walkOptions: { chunkSize: number; maxKeys: number; signal?: AbortSignal }, nativeHash: boolean): Promise<Pending> {
  const started = performance.now();
  const result = emptyResult(plan);
  const pending: Pending = { result, walk: null, sql: null };
  try {
    if (!onNew) throw new Error('the table is missing in the new database');
    const newColumns = new Set(onNew.columns.map((c) => c.name));
    const missingKey = plan.key.filter((k) => !newColumns.has(k.name));
    if (missingKey.length) throw new Error(`key column ${missingKey.map((k) => k.name).join(', ')} is missing in the new database`);
    // Columns the new side lacks are db.schema_parity's finding; the rest is still compared.
    const columns = plan.columns.filter((c) => newColumns.has(c.name));
    result.columnsOnlyInOld = plan.columns.filter((c) => !newColumns.has(c.name)).map((c) => c.name);
    const sql = new TableSql({ ...plan, columns }, rowHash(columns, nativeHash));
    const walk = new TableWalk(sql, old, next, walkOptions);
    pending.sql = sql;
    pending.walk = walk;
    await walk.walk();
  } catch (error) {
    result.error = describeError(error);
  }
  result.durationMs = Math.round(performance.now() - started);
  return pending;
}

async function recheck(p: Pending, old: pg.Client, next: pg.Client): Promise<void> {
  const { walk, sql } = p;
  if (!walk || !sql || p.result.error || !walk.differingRanges) return;
  try {
    if (!sql.plan.key.length) {
      // No key to look up: the whole-table count and hash, once more.
      await walk.walk('recheck');
      if (!walk.differingRanges) p.result.inFlight = 1;
      return;
    }
    const look = async (client: pg.Client, keys: Key[]) => {
      const rows = await walk.run(client, sql.byKeys(keys), 'recheck');
      return new Map(rows.map((r) => [JSON.stringify(sql.keyOf(r)), String(r.h)]));
    };
    const still: (FoundKey & { stillChanging: boolean })[] = [];
    for (let i = 0; i < walk.found.length; i += RECHECK_BATCH) {
      const batch = walk.found.slice(i, i + RECHECK_BATCH);
      const [a, b] = await Promise.all([look(old, batch.map((f) => f.key)), look(next, batch.map((f) => f.key))]);
      for (const f of batch) {
        const id = JSON.stringify(f.key);
        const nowOld = a.get(id) ?? null;
        const nowNew = b.get(id) ?? null;
        if (nowOld === nowNew) {
          p.result.inFlight += 1;
          continue;
        }
        const kind: DiffKind = nowOld === null ? 'extra' : nowNew === null ? 'missing' : 'changed';
        still.push({ key: f.key, kind, old: nowOld, new: nowNew, stillChanging: nowOld !== f.old || nowNew !== f.new });
      }
    }
    walk.differing -= p.result.inFlight;
    walk.found.splice(0, walk.found.length, ...still);
  } catch (error) {
    p.result.error = `the second look failed: ${describeError(error)}`;
  }
}

function finish(p: Pending): TableContent {
  const r = p.result;
  const walk = p.walk;
  if (!walk) return { ...r, status: 'error', differing: null };
  r.queries = walk.queries;
  r.ranges = walk.ranges;
  r.differingRanges = walk.differingRanges;
  r.rows = walk.rows;
  if (!p.sql?.plan.key.length) {
    const status = r.error ? 'error' : walk.differingRanges ? 'differs' : r.inFlight ? 'in flight' : 'match';
    return { ...r, differing: null, status };
  }
  const found = walk.found as (FoundKey & { stillChanging?: boolean })[];
  for (const f of found) r.kinds[f.kind] += 1;
  r.stillChanging = found.filter((f) => f.stillChanging).length;
  r.firstKeys = found.slice(0, FIRST_KEYS).map((f) => ({ key: f.key, kind: f.kind, stillChanging: Boolean(f.stillChanging) }));
  r.differing = walk.differing;
  r.exact = walk.exact;
  const status = r.error ? 'error' : walk.differing > 0 ? 'differs' : r.inFlight ? 'in flight' : 'match';
  return { ...r, status };
}
