import { describeError } from '../../core/errors.ts';
import type { CutoverCheck } from '../check.ts';
import { quoteQualified, withBoth, withClient } from '../db/connect.ts';
import { assertDistinct } from '../db/identity.ts';
import { resolveSchemas } from '../db/scope.ts';
import { needsBoth, needsNew } from './db-inputs.ts';


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
        [await resolveSchemas(c, ctx.config.validate.schemas)],
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
    await withBoth(ctx.sourceDatabaseUrl!, ctx.databaseUrl!, assertDistinct);
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
