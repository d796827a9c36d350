import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepMerge, parseConfig } from '../../config/load.ts';
import type { DrillConfigInput } from '../../config/schema.ts';
import { RunDir } from '../../record/run-dir.ts';
import { writeRecord } from '../../reports/write.ts';
import { validateRun } from '../../runs/validate.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { createTestDatabase, type TestDatabase } from './pg.ts';
import { TEST_CRON_SECRET, startTestSandbox } from './sandbox.ts';
import { FAST_ALERTS } from './watch.ts';

export const NEW_REGION = 'eu-central-1';
export const TOKEN = 'sbp_test_validate_token';

export interface RegionMove {
  old: TestDatabase;
  next: TestDatabase;
  sandbox: Sandbox & { logFile: string };
  cutoverAt: Date;
  readiness: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A local region move, the way Supabase does one: a new database, schema and data copied
 * with pg_dump | psql, the app switched to it, the Management API answering for the new
 * project in the new region.
 */
export async function regionMove(): Promise<RegionMove> {
  const old = await createTestDatabase('drill_old');
  const next = await createTestDatabase('drill_new');
  const before = await startTestSandbox({ databaseUrl: old.url });
  const [cookie] = await before.mintCookies(1);
  await fetch(`${before.url}/api/admin/campaigns/send`, { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/json' }, body: '{"recipients":200}' });
  await new Promise((resolve) => setTimeout(resolve, 600)); // the old worker drains its queue
  await before.stop();
  execFileSync('sh', ['-c', `pg_dump --no-owner --no-privileges "${old.url}" | psql -q -v ON_ERROR_STOP=1 "${next.url}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const cutoverAt = new Date();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const sandbox = await startTestSandbox({ databaseUrl: next.url, region: NEW_REGION, supabaseAccessToken: TOKEN, ambientJobsPerTick: 1 });
  // The new project's first backup after the restore (backups.recent wants one later than the cutover).
  sandbox.supabase.recordBackup(sandbox.options.projectRef);
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-move-'));
  const readiness = path.join(dir, 'readiness.yml');
  writeFileSync(readiness, readinessYaml(20));
  return {
    old,
    next,
    sandbox,
    cutoverAt,
    readiness,
    dir,
    async stop() {
      await sandbox.stop();
      await old.drop();
      await next.drop();
    },
  };
}

/**
 * A readiness record whose last restore drill ran `drillDaysAgo` days ago, as drill
 * restore-drill appends it (a verdict and its figures); `typed: true` writes the date alone,
 * as a person types it in, which restore.readiness only warns about.
 */
export function readinessYaml(drillDaysAgo: number, options: { typed?: boolean; verdict?: string } = {}): string {
  const at = new Date(Date.now() - drillDaysAgo * 86_400_000);
  const head = 'backups_enabled: true\nretention: 7 days (Pro daily backups)\nrestore_owner: Dana Ops\n';
  if (options.typed) return `${head}last_restore_drill: ${at.toISOString().slice(0, 10)}\n`;
  const verdict = options.verdict ?? 'pass';
  return `${head}drills:\n  - date: ${at.toISOString()}\n    by: dana\n    kind: restore-drill\n    mode: from-database\n    verdict: ${verdict}\n    parity: ${verdict}\n    rto_seconds: 42.5\n    rpo_seconds: 60\n    run_dir: reports/runs/drill\n`;
}

export const FAST_VALIDATE: DrillConfigInput = deepMerge(FAST_ALERTS, {
  validate: { window: '1500ms', drainTimeout: '3s', canary: { timeout: '5s' }, maxRateLimitWait: '1s' },
}) as DrillConfigInput;

export async function validateMove(move: RegionMove, extra: { config?: DrillConfigInput; readiness?: string; only?: string[] } = {}) {
  const config = parseConfig(deepMerge(FAST_VALIDATE, extra.config ?? {}));
  const runDir = RunDir.create(mkdtempSync(path.join(move.dir, 'run-')));
  const { CUTOVER_CHECKS } = await import('../../validation/catalogue.ts');
  const input = await validateRun({
    config,
    target: move.sandbox.url,
    cronSecret: TEST_CRON_SECRET,
    databaseUrl: move.next.url,
    sourceDatabaseUrl: move.old.url,
    supabaseToken: TOKEN,
    projectRef: move.sandbox.options.projectRef,
    supabaseApiUrl: move.sandbox.url,
    expectRegion: NEW_REGION,
    readinessFile: extra.readiness ?? move.readiness,
    cutoverAt: move.cutoverAt,
    runDir,
    signal: new AbortController().signal,
    checks: extra.only ? CUTOVER_CHECKS.filter((c) => extra.only!.includes(c.id)) : undefined,
  });
  runDir.closeStreams();
  return writeRecord(runDir, input);
}
