import { describeError } from '../../core/errors.ts';
import type { CutoverCheck } from '../check.ts';
import type { ValidateContext } from '../context.ts';
import { quoteQualified, withClient } from '../db/connect.ts';
import { diffShapes, extensionVersions, introspect, listTables } from '../db/introspect.ts';

const needsNew = (ctx: ValidateContext) => (ctx.databaseUrl ? null : 'needs --database-url (or DATABASE_URL) for the new database');
const needsBoth = (ctx: ValidateContext) =>
  needsNew(ctx) ?? (ctx.sourceDatabaseUrl ? null : 'needs --source-database-url (or SOURCE_DATABASE_URL) for the old database');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Probe {
  ok: boolean;
  latencyMs?: number;
  version?: string;
  inRecovery?: boolean;
  error?: string;
}

async function probeDb(url: string): Promise<Probe> {
  const started = performance.now();
  try {
    return await withClient(url, async (c) => {
      const { rows } = await c.query(`select current_setting('server_version') as version, pg_is_in_recovery() as recovery`);
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10, version: rows[0].version, inRecovery: rows[0].recovery };
    });
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

export const dbReachable: CutoverCheck = {
  id: 'db.reachable',
  title: 'The new database answers as a primary (and the old one answers)',
  strict: true,
  needs: needsNew,
  async run(ctx) {
    const [next, old] = await Promise.all([probeDb(ctx.databaseUrl!), ctx.sourceDatabaseUrl ? probeDb(ctx.sourceDatabaseUrl) : null]);
    const evidence = { new: next, old };
    if (!next.ok) return { status: 'error', summary: `the new database is unreachable (${next.error})`, evidence };
    if (next.inRecovery) return { status: 'fail', summary: 'the new database is in recovery (a replica or still restoring), not a writable primary', evidence };
    if (old && !old.ok) return { status: 'warn', summary: `new database OK (${next.latencyMs} ms, Postgres ${next.version}); the old one is unreachable (${old.error})`, evidence };
    return { status: 'pass', summary: `new database primary, Postgres ${next.version}, ${next.latencyMs} ms${old ? `; old Postgres ${old.version}` : ''}`, evidence };
  },
};

export const dbSchemaParity: CutoverCheck = {
  id: 'db.schema_parity',
  title: 'Same tables, columns, indexes, constraints, functions, triggers, policies and extensions',
  strict: true,
  needs: needsBoth,
  async run(ctx) {
    const schemas = ctx.config.validate.schemas;
    const [[old, oldVersions], [next, newVersions]] = await Promise.all([
      withClient(ctx.sourceDatabaseUrl!, async (c) => [await introspect(c, schemas), await extensionVersions(c)] as const),
      withClient(ctx.databaseUrl!, async (c) => [await introspect(c, schemas), await extensionVersions(c)] as const),
    ]);
    const diffs = diffShapes(old, next);
    const missing = diffs.filter((d) => d.missing.length);
    const versionDrift = [...oldVersions].filter(([name, v]) => newVersions.has(name) && newVersions.get(name) !== v).map(([name, v]) => `${name} ${v} -> ${newVersions.get(name)}`);
    const evidence = { schemas, differences: diffs.map((d) => ({ kind: d.kind, missing: d.missing.slice(0, 20), extra: d.extra.slice(0, 20) })), versionDrift };
    if (missing.length) {
      return { status: 'fail', summary: `missing in the new database: ${missing.map((d) => `${d.missing.length} ${d.kind} (${d.missing.slice(0, 3).join('; ')})`).join(', ')}`, evidence };
    }
    if (diffs.length || versionDrift.length) {
      const parts = [...diffs.map((d) => `${d.extra.length} extra ${d.kind}`), ...(versionDrift.length ? [`extension versions differ: ${versionDrift.join(', ')}`] : [])];
      return { status: 'warn', summary: `nothing missing; ${parts.join('; ')}`, evidence };
    }
    const counts = Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v.size]));
    return { status: 'pass', summary: `identical across ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}`, evidence: { ...evidence, counts } };
  },
};

async function countRows(url: string, tables: readonly string[]): Promise<Map<string, number | string>> {
  return withClient(url, async (c) => {
    const counts = new Map<string, number | string>();
    for (const table of tables) {
      try {
        counts.set(table, Number((await c.query(`select count(*) as n from ${quoteQualified(table)}`)).rows[0].n));
      } catch (error) {
        counts.set(table, `error: ${describeError(error)}`);
      }
    }
    return counts;
  });
}

export const dbRowParity: CutoverCheck = {
  id: 'db.row_parity',
  title: 'Row counts match the old database',
  strict: true,
  needs: needsBoth,
  async run(ctx) {
    const { rowParityTables, rowParityExclude, schemas } = ctx.config.validate;
    const tables = rowParityTables ?? (await withClient(ctx.sourceDatabaseUrl!, (c) => listTables(c, schemas))).filter((t) => !rowParityExclude.includes(t));
    const compare = async (list: readonly string[]) => {
      const [old, next] = await Promise.all([countRows(ctx.sourceDatabaseUrl!, list), countRows(ctx.databaseUrl!, list)]);
      // A count that failed is never a match, even when both sides failed the same way.
      return list
        .filter((t) => typeof old.get(t) !== 'number' || old.get(t) !== next.get(t))
        .map((t) => ({ table: t, old: old.get(t)!, new: next.get(t)! }));
    };
    let mismatches = await compare(tables);
    const rechecked = mismatches.length;
    // Counts taken a moment apart can differ while a straggling write lands: look once more.
    if (rechecked) {
      await sleep(2000);
      mismatches = await compare(mismatches.map((m) => m.table));
    }
    const evidence = { tables: tables.length, excluded: rowParityTables ? [] : rowParityExclude, rechecked, mismatches };
    const uncounted = mismatches.filter((m) => typeof m.old !== 'number' || typeof m.new !== 'number');
    if (uncounted.length) {
      return { status: 'error', summary: `could not count ${uncounted.length} tables: ${uncounted.slice(0, 3).map((m) => `${m.table} (${typeof m.old === 'number' ? m.new : m.old})`).join('; ')}`, evidence };
    }
    return mismatches.length
      ? { status: 'fail', summary: `row counts differ in ${mismatches.length} tables (also on a second look): ${mismatches.slice(0, 5).map((m) => `${m.table} old ${m.old} new ${m.new}`).join('; ')}`, evidence }
      : { status: 'pass', summary: `exact row counts match in ${tables.length} tables${rechecked ? ` (${rechecked} matched on a second look)` : ''}`, evidence };
  },
};

export const dbSequences: CutoverCheck = {
  id: 'db.sequences',
  title: "Every sequence is ahead of its column's largest value",
  strict: true,
  needs: needsNew,
  async run(ctx) {
    return withClient(ctx.databaseUrl!, async (c) => {
      // Sequences tied to a column: OWNED BY / identity (pg_depend from the sequence to the
      // column), and plain `DEFAULT nextval('seq')` (pg_depend from the column default).
      const { rows } = await c.query(
        `with links as (
           select d.objid as seq_oid, d.refobjid as tbl_oid, d.refobjsubid as attnum
             from pg_depend d
            where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i') and d.refobjsubid > 0
           union
           select d.refobjid, ad.adrelid, ad.adnum
             from pg_attrdef ad
             join pg_depend d on d.classid = 'pg_attrdef'::regclass and d.objid = ad.oid and d.refclassid = 'pg_class'::regclass
         )
         select distinct sn.nspname || '.' || sc.relname as seq, s.increment_by, n.nspname || '.' || t.relname as tbl, a.attname as col
           from links l
           join pg_class sc on sc.oid = l.seq_oid and sc.relkind = 'S'
           join pg_namespace sn on sn.oid = sc.relnamespace
           join pg_sequences s on s.schemaname = sn.nspname and s.sequencename = sc.relname
           join pg_class t on t.oid = l.tbl_oid join pg_namespace n on n.oid = t.relnamespace
           join pg_attribute a on a.attrelid = t.oid and a.attnum = l.attnum
          where n.nspname = any($1)`,
        [ctx.config.validate.schemas],
      );
      const behind: { sequence: string; next: number; max: number }[] = [];
      for (const row of rows) {
        // The column's max first, the sequence second: a row inserted in between took a value
        // from the sequence before it committed, so the sequence read later is already past it.
        const max = (await c.query(`select max(${`"${String(row.col).replace(/"/g, '""')}"`})::text as m from ${quoteQualified(row.tbl)}`)).rows[0].m;
        if (max === null) continue;
        const seq = (await c.query(`select last_value::text as v, is_called from ${quoteQualified(row.seq)}`)).rows[0];
        const next = seq.is_called ? Number(seq.v) + Number(row.increment_by) : Number(seq.v);
        if (next <= Number(max)) behind.push({ sequence: row.seq, next, max: Number(max) });
      }
      const evidence = { sequences: rows.length, behind };
      return behind.length
        ? { status: 'fail', summary: `${behind.length} sequences would hand out taken ids: ${behind.map((b) => `${b.sequence} next ${b.next} <= max ${b.max}`).join('; ')}`, evidence }
        : { status: 'pass', summary: `${rows.length} sequences all ahead of their columns`, evidence };
    });
  },
};

async function migrationVersions(url: string): Promise<string[] | null> {
  return withClient(url, async (c) => {
    const exists = (await c.query(`select to_regclass('supabase_migrations.schema_migrations') is not null as e`)).rows[0].e;
    if (!exists) return null;
    return (await c.query(`select version from supabase_migrations.schema_migrations order by version`)).rows.map((r) => String(r.version));
  });
}

export const dbMigrations: CutoverCheck = {
  id: 'db.migrations',
  title: 'Same applied migrations as the old database',
  strict: true,
  needs: needsBoth,
  async run(ctx) {
    const [old, next] = await Promise.all([migrationVersions(ctx.sourceDatabaseUrl!), migrationVersions(ctx.databaseUrl!)]);
    if (old === null && next === null) return { status: 'skip', summary: 'neither database has supabase_migrations.schema_migrations' };
    const missing = (old ?? []).filter((v) => !(next ?? []).includes(v));
    const extra = (next ?? []).filter((v) => !(old ?? []).includes(v));
    const evidence = { old: old?.length ?? null, new: next?.length ?? null, missing, extra };
    if (next === null) return { status: 'fail', summary: 'the new database has no migration history table', evidence };
    if (missing.length || extra.length) {
      return { status: 'fail', summary: `migration history differs: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `extra ${extra.join(', ')}` : ''}`, evidence };
    }
    return { status: 'pass', summary: `${next.length} applied migrations, same versions`, evidence };
  },
};
