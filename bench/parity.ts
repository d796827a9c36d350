/**
 * Content parity at scale: db.content_parity's library on 1,000,000 rows over four tables of
 * realistic width, side by side with what an operator would otherwise do (pg_dump of both
 * sides, then diff). Two real databases on the local Postgres; the new one is a copy with a
 * handful of injected differences, so the bisection has work to do and diff has lines to print.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { compareContent, type ContentComparison } from '../validation/db/content-compare.ts';

export const ADMIN = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The URL of a database on the bench's Postgres. */
export const url = (name: string) => ADMIN.replace(/\/[^/]*$/, `/${name}`);

/** Runs SQL on its own connection. */
export async function run(target: string, sql: string) {
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Rows per table: 1,000,000 in all. */
export const PARITY_TABLES = { invoices: 400_000, events: 300_000, line_items: 200_000, audit_log: 100_000 };

export const SCHEMA = `
  create type invoice_state as enum ('draft', 'open', 'paid', 'void');
  create table invoices (id bigint primary key, tenant_id uuid not null, number text not null, state invoice_state not null, amount numeric(14, 2) not null,
    currency char(3) not null, issued_at timestamptz not null, due_on date, lines jsonb not null, tags text[] not null, notes text, pdf bytea);
  create table events (id uuid primary key, tenant_id uuid not null, kind text not null, actor_id uuid, payload jsonb, ip inet, occurred_at timestamptz not null);
  create table line_items (tenant_id uuid not null, invoice_id bigint not null, line int not null, sku text not null, qty int not null, unit_price numeric(12, 4) not null,
    description text, discount double precision, primary key (tenant_id, invoice_id, line));
  create table audit_log (at timestamptz not null, actor text, action text not null, detail jsonb);`;

export function seed(n: typeof PARITY_TABLES): string {
  return `
  insert into invoices select g, md5('t' || g % 500)::uuid, 'INV-' || lpad(g::text, 8, '0'), (enum_range(null::invoice_state))[1 + g % 4], (g % 100000) / 100.0, 'EUR',
    timestamptz '2025-01-01 00:00:00+00' + g * interval '37 seconds', date '2025-02-01' + g % 400,
    jsonb_build_array(jsonb_build_object('sku', 'SKU-' || g % 977, 'qty', 1 + g % 7, 'price', (g % 1000) / 10.0), jsonb_build_object('sku', 'SKU-' || g % 13, 'qty', 1, 'price', 9.5)),
    array['t' || g % 10, 'x' || g % 3], case when g % 5 = 0 then null else repeat('note ', 1 + g % 20) end, decode(md5(g::text), 'hex')
    from generate_series(1, ${n.invoices}) g;
  insert into events select md5('e' || g)::uuid, md5('t' || g % 500)::uuid, (array['invoice.sent', 'invoice.paid', 'member.invited', 'project.created'])[1 + g % 4],
    md5('u' || g % 3000)::uuid, jsonb_build_object('n', g, 'source', 'api', 'meta', jsonb_build_object('ua', 'Mozilla/5.0 bench', 'v', g % 9)),
    ('10.' || g % 250 || '.' || g % 200 || '.' || g % 100)::inet, timestamptz '2025-01-01 00:00:00+00' + g * interval '11 seconds'
    from generate_series(1, ${n.events}) g;
  insert into line_items select md5('t' || g % 500)::uuid, g / 4, g % 4, 'SKU-' || g % 977, 1 + g % 9, (g % 5000) / 100.0,
    case when g % 3 = 0 then null else 'Line item ' || g || ' for services rendered' end, case when g % 7 = 0 then null else (g % 100) / 1000.0 end
    from generate_series(1, ${n.line_items}) g;
  insert into audit_log select timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute', 'user' || g % 300, 'login', jsonb_build_object('ok', g % 11 <> 0)
    from generate_series(1, ${n.audit_log}) g;`;
}

/** The faults the new side gets: changed values, a NULL, a deleted and an extra row. */
const FAULTS = `
  update invoices set amount = amount + 0.01 where id in (123456, 345678);
  update invoices set notes = null where id = 200001;
  update events set payload = payload || '{"edited": true}' where id = md5('e77777')::uuid;
  delete from line_items where tenant_id = md5('t7')::uuid and invoice_id = 1751 and line = 3;
  insert into line_items values (md5('t9')::uuid, 999999, 0, 'SKU-X', 1, 1, null, null);`;

export interface ParityBench {
  rows: number;
  tables: number;
  /** wallMs includes the pause before the second look (pausedMs, waiting for rows in flight, not work). */
  drill: { wallMs: number[]; pausedMs: number; queries: ContentComparison['queries']; differing: number; inFlight: number; heapPeakMb: number; rssPeakMb: number; retainedMb: number };
  dumpDiff: { wallMs: number[]; dumpBytes: number; diffLines: number; diffMaxRssMb: number };
  smaller: { rows: number; heapPeakMb: number; rssPeakMb: number; retainedMb: number };
}

// A collection before each measurement, so the peaks are what the comparison itself holds.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Samples this process's heap and RSS while `fn` runs, above where they started: the content comparison must stay flat. */
async function peakMemory<T>(fn: () => Promise<T>): Promise<{ value: T; heapMb: number; rssMb: number; retainedMb: number }> {
  gc();
  const base = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed - base.heapUsed);
    rss = Math.max(rss, m.rss - base.rss);
  };
  const timer = setInterval(sample, 20);
  try {
    const value = await fn();
    sample();
    // What the comparison still holds once its garbage is collected: its result, nothing per row.
    gc();
    const retainedMb = (process.memoryUsage().heapUsed - base.heapUsed) / 2 ** 20;
    return { value, heapMb: heap / 2 ** 20, rssMb: rss / 2 ** 20, retainedMb };
  } finally {
    clearInterval(timer);
  }
}

export async function pair(suffix: string, rows: typeof PARITY_TABLES): Promise<[string, string]> {
  const [a, b] = [`drill_bench_parity_old_${suffix}`, `drill_bench_parity_new_${suffix}`];
  await run(ADMIN, `create database ${a}`);
  await run(url(a), SCHEMA + seed(rows));
  await run(url(a), 'vacuum analyze');
  // A file copy of the old database (same layout for both methods), then the faults.
  await run(ADMIN, `create database ${b} template ${a}`);
  await run(url(b), FAULTS);
  // Settle both before timing: no autovacuum arriving mid-round after the faults' writes.
  await run(url(b), 'vacuum analyze');
  return [a, b];
}

export async function drop(...names: string[]) {
  for (const name of names) await run(ADMIN, `drop database if exists ${name} with (force)`);
}

export async function benchParity(rounds: number, onProgress: (line: string) => void = () => {}): Promise<ParityBench> {
  const suffix = Date.now().toString(36);
  const total = Object.values(PARITY_TABLES).reduce((a, b) => a + b, 0);
  onProgress(`seeding ${total.toLocaleString('en')} rows…`);
  const [oldName, newName] = await pair(suffix, PARITY_TABLES);
  const small = Object.fromEntries(Object.entries(PARITY_TABLES).map(([k, v]) => [k, v / 10])) as typeof PARITY_TABLES;
  const [smallOld, smallNew] = await pair(`${suffix}s`, small);
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-bench-parity-'));
  try {
    const drillMs: number[] = [];
    const dumpMs: number[] = [];
    let last: ContentComparison | null = null;
    let pausedMs = 0;
    const pause = (ms: number) => {
      pausedMs = ms;
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    };
    let heapPeakMb = 0;
    let rssPeakMb = 0;
    let retainedMb = 0;
    let dumpBytes = 0;
    let diffLines = 0;
    let diffMaxRssMb = 0;
    // One untimed pass of each warms the caches alike; the rounds are interleaved, so drift on
    // a shared machine hits both methods alike.
    await compareContent(url(oldName), url(newName), { recheckAfterMs: 0 });
    execFileSync('bash', ['-c', `pg_dump "${url(oldName)}" > /dev/null & pg_dump "${url(newName)}" > /dev/null; wait`]);
    for (let round = 0; round < rounds; round += 1) {
      const started = performance.now();
      const measured = await peakMemory(() => compareContent(url(oldName), url(newName), { sleep: pause }));
      drillMs.push(Math.round(performance.now() - started));
      last = measured.value;
      heapPeakMb = Math.max(heapPeakMb, measured.heapMb);
      rssPeakMb = Math.max(rssPeakMb, measured.rssMb);
      retainedMb = Math.max(retainedMb, measured.retainedMb);
      const t0 = performance.now();
      // What an operator would do: dump both sides at once, then diff the dumps.
      execFileSync('bash', ['-c', `pg_dump "${url(oldName)}" > "${dir}/old.sql" & pg_dump "${url(newName)}" > "${dir}/new.sql"; wait`]);
      // diff exits 1 when the files differ, which they do.
      execFileSync('bash', ['-c', `/usr/bin/time -f '%M' -o "${dir}/rss" diff "${dir}/old.sql" "${dir}/new.sql" > "${dir}/diff.txt" || true`]);
      dumpMs.push(Math.round(performance.now() - t0));
      dumpBytes = statSync(`${dir}/old.sql`).size + statSync(`${dir}/new.sql`).size;
      diffLines = Number(execFileSync('bash', ['-c', `wc -l < "${dir}/diff.txt"`], { encoding: 'utf8' }).trim());
      diffMaxRssMb = Math.max(diffMaxRssMb, Number(execFileSync('bash', ['-c', `tail -1 "${dir}/rss"`], { encoding: 'utf8' }).trim()) / 1024);
      onProgress(`round ${round + 1}: drill ${drillMs.at(-1)} ms, dump and diff ${dumpMs.at(-1)} ms`);
    }
    const smallRun = await peakMemory(() => compareContent(url(smallOld), url(smallNew), { sleep: pause }));
    const differing = last!.tables.reduce((n, t) => n + (t.differing ?? 0), 0);
    const inFlight = last!.tables.reduce((n, t) => n + t.inFlight, 0);
    return {
      rows: total,
      tables: last!.tables.length,
      drill: { wallMs: drillMs, pausedMs, queries: last!.queries, differing, inFlight, heapPeakMb, rssPeakMb, retainedMb },
      dumpDiff: { wallMs: dumpMs, dumpBytes, diffLines, diffMaxRssMb },
      smaller: { rows: total / 10, heapPeakMb: smallRun.heapMb, rssPeakMb: smallRun.rssMb, retainedMb: smallRun.retainedMb },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop(oldName, newName, smallOld, smallNew);
  }
}
