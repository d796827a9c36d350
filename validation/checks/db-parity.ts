import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../core/errors.ts';
import type { CutoverCheck } from '../check.ts';
import type { ValidateContext } from '../context.ts';
import { describeDifference } from '../db/catalogue/diff.ts';
import { quoteQualified, withBoth, withClient } from '../db/connect.ts';
import { compareContent, type TableContent } from '../db/content-compare.ts';
import { assertDistinct } from '../db/identity.ts';
import { listTables } from '../db/introspect.ts';
import { nameMatcher, resolveSchemas } from '../db/scope.ts';
import { compareSchemas } from '../db/schema-compare.ts';
import { needsBoth } from './db-inputs.ts';

/** validate.exclude plus the deprecated rowParityExclude. */
export function parityExclusions(ctx: ValidateContext): string[] {
  return [...ctx.config.validate.exclude, ...(ctx.config.validate.rowParityExclude ?? [])];
}

export const dbSchemaParity: CutoverCheck = {
  id: 'db.schema_parity',
  title: 'Same schema objects, privileges, policies, types, functions, triggers, publications and extensions',
  strict: true,
  needs: needsBoth,
  async run(ctx) {
    const { schemas, schemaIgnore, content } = ctx.config.validate;
    const r = await compareSchemas(ctx.sourceDatabaseUrl!, ctx.databaseUrl!, { schemas, ignore: schemaIgnore, statementTimeoutMs: content.statementTimeout });
    const fails = r.differences.filter((d) => d.severity === 'fail');
    const warns = r.differences.filter((d) => d.severity === 'warn');
    const evidence = {
      schemas: r.schemas,
      counts: r.counts,
      failures: fails.length,
      warnings: warns.length,
      ignored: r.ignored,
      physicalCopy: r.identity.physicalCopy,
      differences: r.differences.slice(0, 200),
    };
    const list = (ds: typeof fails, n: number) => `${ds.slice(0, n).map(describeDifference).join('; ')}${ds.length > n ? `; and ${ds.length - n} more (evidence.differences)` : ''}`;
    if (fails.length) {
      return { status: 'fail', summary: `${fails.length} schema ${fails.length === 1 ? 'difference loses' : 'differences lose'} an object or change access: ${list(fails, 5)}`, evidence };
    }
    if (warns.length) {
      const drift = warns.filter((d) => d.kind === 'extension' && d.field === 'version').map((d) => `${d.object} ${d.old} -> ${d.new}`);
      const others = warns.filter((d) => !(d.kind === 'extension' && d.field === 'version'));
      const parts = [...(drift.length ? [`extension versions differ: ${drift.join(', ')}`] : []), ...(others.length ? [`${others.length} objects only in the new database: ${list(others, 3)}`] : [])];
      return { status: 'warn', summary: `nothing missing or changed; ${parts.join('; ')}`, evidence };
    }
    const counted = { table: 'tables', column: 'columns', index: 'indexes', policy: 'policies', privilege: 'grants', function: 'functions', trigger: 'triggers', view: 'views', type: 'types' } as const;
    return {
      status: 'pass',
      summary: `identical in ${r.schemas.length} schemas (${r.schemas.join(', ')}): ${Object.entries(counted).map(([k, words]) => `${r.counts[k as keyof typeof counted]} ${words}`).join(', ')}, and roles, memberships, publications, extensions`,
      evidence,
    };
  },
};

async function countRows(url: string, tables: readonly string[], statementTimeoutMs: number): Promise<Map<string, number | string>> {
  return withClient(
    url,
    async (c) => {
      const counts = new Map<string, number | string>();
      for (const table of tables) {
        try {
          counts.set(table, Number((await c.query(`select count(*) as n from ${quoteQualified(table)}`)).rows[0].n));
        } catch (error) {
          counts.set(table, `error: ${describeError(error)}`);
        }
      }
      return counts;
    },
    { statementTimeoutMs },
  );
}

export const dbRowParity: CutoverCheck = {
  id: 'db.row_parity',
  title: 'Row counts match the old database',
  strict: true,
  needs: needsBoth,
  async run(ctx) {
    const { rowParityTables, content } = ctx.config.validate;
    const exclude = parityExclusions(ctx);
    const excluded = nameMatcher(exclude);
    const tables = await withBoth(ctx.sourceDatabaseUrl!, ctx.databaseUrl!, async (old, next) => {
      await assertDistinct(old, next);
      return rowParityTables ?? (await listTables(old, await resolveSchemas(old, ctx.config.validate.schemas))).filter((t) => !excluded(t));
    });
    const compare = async (list: readonly string[]) => {
      const [old, next] = await Promise.all([countRows(ctx.sourceDatabaseUrl!, list, content.statementTimeout), countRows(ctx.databaseUrl!, list, content.statementTimeout)]);
      // A count that failed is never a match, even when both sides failed the same way.
      return list
        .filter((t) => typeof old.get(t) !== 'number' || old.get(t) !== next.get(t))
        .map((t) => ({ table: t, old: old.get(t)!, new: next.get(t)! }));
    };
    let mismatches = await compare(tables);
    const rechecked = mismatches.length;
    // Counts taken a moment apart can differ while a straggling write lands: look once more.
    if (rechecked) {
      await sleep(content.recheckAfter);
      mismatches = await compare(mismatches.map((m) => m.table));
    }
    const evidence = { tables: tables.length, excluded: rowParityTables ? [] : exclude, rechecked, mismatches };
    const uncounted = mismatches.filter((m) => typeof m.old !== 'number' || typeof m.new !== 'number');
    if (uncounted.length) {
      return { status: 'error', summary: `could not count ${uncounted.length} tables: ${uncounted.slice(0, 3).map((m) => `${m.table} (${typeof m.old === 'number' ? m.new : m.old})`).join('; ')}`, evidence };
    }
    return mismatches.length
      ? { status: 'fail', summary: `row counts differ in ${mismatches.length} tables (also on a second look): ${mismatches.slice(0, 5).map((m) => `${m.table} old ${m.old} new ${m.new}`).join('; ')}`, evidence }
      : { status: 'pass', summary: `exact row counts match in ${tables.length} tables${rechecked ? ` (${rechecked} matched on a second look)` : ''}`, evidence };
  },
};

/** A key for a summary: `42`, or `(a, 7, 2026-01-01)` for a composite key. Key values only. */
export function showKey(key: readonly string[]): string {
  const parts = key.map((k) => (k.length > 64 ? `${k.slice(0, 63)}…` : k));
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}

function describeTable(t: TableContent): string {
  if (t.method === 'whole table') return `${t.table} (no primary key, so compared by whole-table hash: it differs, ${t.rows.old} rows old, ${t.rows.new} new)`;
  const kinds = (['missing', 'changed', 'extra'] as const).filter((k) => t.kinds[k]).map((k) => `${t.kinds[k]} ${k}`);
  const n = t.differing ?? 0;
  const keys = t.firstKeys.map((f) => showKey(f.key)).join(', ');
  return `${t.table}: ${t.exact ? '' : 'at least '}${n} ${n === 1 ? 'key differs' : 'keys differ'}${kinds.length ? ` (${kinds.join(', ')})` : ''}${n > t.firstKeys.length ? `, the first ${t.firstKeys.length}: ` : ': '}${keys}`;
}

export const dbContentParity: CutoverCheck = {
  id: 'db.content_parity',
  title: 'Every row matches the old database, by key-range hashes bisected down to keys',
  strict: true,
  needs: needsBoth,
  async run(ctx) {
    const { schemas, rowParityTables, content } = ctx.config.validate;
    const r = await compareContent(ctx.sourceDatabaseUrl!, ctx.databaseUrl!, {
      schemas,
      exclude: parityExclusions(ctx),
      tables: rowParityTables,
      chunkSize: content.chunkSize,
      statementTimeoutMs: content.statementTimeout,
      recheckAfterMs: content.recheckAfter,
      maxKeys: content.maxKeys,
      signal: ctx.signal,
    });
    const evidence = {
      schemas: r.schemas,
      hashing: r.hashing,
      chunkSize: content.chunkSize,
      excluded: r.excluded,
      queries: r.queries,
      recheckAfterMs: r.recheckAfterMs,
      physicalCopy: r.identity.physicalCopy,
      tables: r.tables.map((t) => ({ ...t, firstKeys: t.firstKeys.map((f) => ({ key: showKey(f.key), kind: f.kind, stillChanging: f.stillChanging })) })),
    };
    const differs = r.tables.filter((t) => t.status === 'differs');
    const errors = r.tables.filter((t) => t.status === 'error');
    const inFlight = r.tables.reduce((n, t) => n + t.inFlight, 0);
    const whole = r.tables.filter((t) => t.method === 'whole table');
    if (differs.length) {
      const changing = differs.reduce((n, t) => n + t.stillChanging, 0);
      return {
        status: 'fail',
        summary: `rows differ in ${differs.length} tables, also after a second look ${Math.round(r.recheckAfterMs / 100) / 10} s later${changing ? ` (${changing} keys still being written)` : ''}: ${differs.slice(0, 4).map(describeTable).join('; ')}`,
        evidence,
      };
    }
    if (errors.length) return { status: 'error', summary: `could not compare ${errors.length} tables: ${errors.slice(0, 3).map((t) => `${t.table} (${t.error})`).join('; ')}`, evidence };
    return {
      status: 'pass',
      summary:
        `same rows in ${r.tables.length} tables (${r.tables.reduce((n, t) => n + t.rows.old, 0)} rows, ${r.queries.total} queries)` +
        (whole.length ? `; ${whole.length} without a primary key compared by whole-table hash (${whole.slice(0, 3).map((t) => t.table).join(', ')})` : '') +
        (inFlight ? `; ${inFlight} keys differed at first and matched on a second look (in flight)` : ''),
      evidence,
    };
  },
};
