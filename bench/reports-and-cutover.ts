import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseConfig } from '../config/load.ts';
import { RunDir } from '../record/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
import { sleep } from '../runs/sleep.ts';
import { connectPostgres } from '../sandbox/db/db.ts';
import { migrate } from '../sandbox/db/migrate.ts';
import { seed } from '../sandbox/db/seed.ts';
import { SignalSession } from '../signals/session.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { runChecks } from '../validation/check.ts';
import type { ValidateContext } from '../validation/context.ts';
import { stressRecord, syntheticHourDir } from '../test/helpers/synthetic-run.ts';

/** Renders a synthetic one-hour run (3,600 samples and intervals, 10 routes) three times. */
export function benchReports(): { renderMs: number[]; htmlBytes: number } {
  const dir = syntheticHourDir();
  const renderMs: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    writeRecord(RunDir.open(dir), stressRecord(1, { streams: { samples: 'samples.ndjson', intervals: 'intervals.ndjson' } }), {});
    renderMs.push(Math.round(performance.now() - started));
  }
  return { renderMs, htmlBytes: statSync(path.join(dir, 'report.html')).size };
}

const ADMIN = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** The non-waiting cutover checks on a local move of 100,000 invoices (real Postgres). */
export async function benchCutover(): Promise<{ rows: number; wallMs: number; slowest: { id: string; ms: number }[] }> {
  const suffix = Date.now().toString(36);
  const [oldName, newName] = [`drill_bench_old_${suffix}`, `drill_bench_new_${suffix}`];
  await admin(`create database ${oldName}`);
  await admin(`create database ${newName}`);
  const url = (name: string) => ADMIN.replace(/\/[^/]*$/, `/${name}`);
  try {
    const db = connectPostgres(url(oldName));
    await migrate(db);
    await seed(db, { orgs: 2, adminUsers: 4, invoicesPerOrg: 50_000, completedJobsPerOrg: 5000 });
    await db.close();
    execFileSync('sh', ['-c', `pg_dump --no-owner --no-privileges "${url(oldName)}" | psql -q -v ON_ERROR_STOP=1 "${url(newName)}"`]);
    const config = parseConfig({});
    const runDir = RunDir.create(mkdtempSync(path.join(tmpdir(), 'drill-bench-cutover-')));
    const session = new SignalSession({ config, target: 'http://127.0.0.1:1', runDir });
    const checks = CUTOVER_CHECKS.filter((c) => !c.waits && c.id.startsWith('db.'));
    const ctx: ValidateContext = {
      config, target: 'http://127.0.0.1:1', cronSecret: null, databaseUrl: url(newName), sourceDatabaseUrl: url(oldName), api: null, projectRef: null,
      expectRegion: null, readinessFile: null, cutoverAt: new Date(), cookies: [], windowMs: 0, drainTimeoutMs: 0, session,
      windowDone: sleep(0, new AbortController().signal), signal: new AbortController().signal, now: Date.now,
    };
    const started = performance.now();
    const results = await runChecks([...checks, ...CUTOVER_CHECKS.filter((c) => c.id === 'env.single_active')], ctx);
    const wallMs = Math.round(performance.now() - started);
    const bad = results.filter((r) => r.status !== 'pass');
    if (bad.length) throw new Error(`bench move is not clean: ${bad.map((b) => `${b.id} ${b.summary}`).join('; ')}`);
    return { rows: 100_000, wallMs, slowest: results.map((r) => ({ id: r.id, ms: r.durationMs ?? 0 })).sort((a, b) => b.ms - a.ms).slice(0, 3) };
  } finally {
    await admin(`drop database if exists ${oldName} with (force)`);
    await admin(`drop database if exists ${newName} with (force)`);
  }
}
