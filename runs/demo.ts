import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../core/config/load.ts';
import { formatDuration } from '../core/duration.ts';
import { secrets } from '../core/secrets.ts';
import type { RunRecord } from '../reports/record.ts';
import { RunDir, defaultRunDir } from '../reports/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
import { openEmbedded, type EmbeddedDb } from '../sandbox/db/db.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { defaultScenario } from '../scenarios/load.ts';
import { resolveProfile } from '../scenarios/profiles.ts';
import { compareRuns } from './gate.ts';
import { runStress } from './stress.ts';
import { validateCutover } from './validate.ts';

export interface DemoOptions {
  outRoot: string;
  signal: AbortSignal;
  progress(line: string): void;
  /** Load time of the stress drill (default 20 s) and the cutover observation window (10 s); tests shorten them. */
  stressMs?: number;
  windowMs?: number;
}

export interface DemoStep {
  name: string;
  verdict: RunRecord['verdict'];
  dir: string;
  summary: string;
}

/** Sandbox timings: its cron runs every 2 s, so the alert windows shrink to match. */
function demoConfig(windowMs: number) {
  return parseConfig({
    watch: { interval: '1s' },
    alerts: { worker_cron_failing: { cronPeriod: '2s' } },
    stress: { baseline: `${Math.min(5000, windowMs)}ms`, recoveryTimeout: '30s' },
    validate: { window: `${windowMs}ms`, drainTimeout: '30s', canary: { timeout: '30s' }, expectPitr: false },
    // Sandbox latencies are a few milliseconds, where run-to-run noise is tens of percent:
    // the demo's gate shows the mechanics with loose tolerances, not a release decision.
    gate: { maxP95Regression: 1, maxP99Regression: 2, minThroughputRatio: 0.8, maxErrorRateIncrease: 0.01, minRequests: 100 },
  });
}

/**
 * The uses on the embedded default, no services needed: a stress drill against the
 * sandbox, a local region move (a binary copy of the embedded database into a second one,
 * the app switched, the Management API fake in the new region), the cutover checklist, and
 * the release gate comparing a second drill with the first.
 */
export async function runDemo(options: DemoOptions): Promise<DemoStep[]> {
  const { progress } = options;
  const stressMs = options.stressMs ?? 20_000;
  const DEMO_CONFIG = demoConfig(options.windowMs ?? 10_000);
  const steps: DemoStep[] = [];
  const cronSecret = `demo-${randomBytes(12).toString('hex')}`;
  const apiToken = `sbp_demo_${randomBytes(12).toString('hex')}`;
  secrets.add(cronSecret);
  secrets.add(apiToken);
  const owned: { sandbox?: Sandbox; dbs: EmbeddedDb[] } = { dbs: [] };
  try {
    progress('1/4 starting the CE Pro sandbox on an embedded database (PGlite)…');
    const oldDb = await openEmbedded();
    owned.dbs.push(oldDb);
    const oldDbUrl = await oldDb.expose({ host: '127.0.0.1', port: 0 });
    const logDir = RunDir.create(defaultRunDir(options.outRoot, 'demo-logs'));
    const oldLog = logDir.file('sandbox-old-region.log');
    owned.sandbox = await startSandbox({ port: 0, cronSecret, supabaseAccessToken: apiToken, logFile: oldLog, region: 'us-east-1' }, { db: oldDb });

    const drill = async (sandbox: Sandbox, log: string) => {
      const runDir = RunDir.create(defaultRunDir(options.outRoot, 'stress'));
      const record = writeRecord(
        runDir,
        await runStress({
          config: DEMO_CONFIG,
          target: sandbox.url,
          profile: resolveProfile('smoke', DEMO_CONFIG, { users: 20, durationMs: stressMs }),
          scenario: defaultScenario(),
          cookies: await sandbox.mintCookies(20),
          cronSecret,
          logs: { kind: 'file', path: log },
          runDir,
          signal: options.signal,
          onProgress: (line, live) => !live && progress(`    ${line}`),
        }),
      );
      runDir.closeStreams();
      return { record, dir: runDir.dir };
    };
    progress(`2/4 stress drill: smoke profile, 20 users for ${formatDuration(stressMs)} against ${owned.sandbox.url} (watching health, queue and logs)…`);
    const first = await drill(owned.sandbox, oldLog);
    steps.push(step('stress drill (smoke)', first.record, first.dir));
    if (options.signal.aborted) return steps;

    progress('3/4 region move: copying the database into a new "eu-central-1" project, switching the app, validating the cutover…');
    await owned.sandbox.stop();
    const cutoverAt = new Date();
    const newDb = await openEmbedded({ dump: await oldDb.dump() });
    owned.dbs.push(newDb);
    const newDbUrl = await newDb.expose({ host: '127.0.0.1', port: 0 });
    const newLog = logDir.file('sandbox-new-region.log');
    owned.sandbox = await startSandbox({ port: 0, cronSecret, supabaseAccessToken: apiToken, logFile: newLog, region: 'eu-central-1' }, { db: newDb });
    const readiness = logDir.file('restore-readiness.yml');
    const lastRestoreDrill = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(readiness, `backups_enabled: true\nretention: 7 days (daily backups, Pro plan)\nrestore_owner: On-call database owner\nlast_restore_drill: ${lastRestoreDrill}\n`);
    const validateDir = RunDir.create(defaultRunDir(options.outRoot, 'validate'));
    const validate = writeRecord(
      validateDir,
      await validateCutover({
        config: DEMO_CONFIG,
        target: owned.sandbox.url,
        cronSecret,
        databaseUrl: newDbUrl,
        sourceDatabaseUrl: oldDbUrl,
        supabaseToken: apiToken,
        projectRef: owned.sandbox.options.projectRef,
        supabaseApiUrl: owned.sandbox.url,
        expectRegion: 'eu-central-1',
        readinessFile: readiness,
        cutoverAt,
        logs: { kind: 'file', path: newLog },
        runDir: validateDir,
        signal: options.signal,
        onProgress: (line) => progress(`    ${line}`),
      }),
    );
    validateDir.closeStreams();
    steps.push(step('cutover validation', validate, validateDir.dir));
    if (options.signal.aborted) return steps;

    progress('4/4 release gate: a second drill in the new region, compared with the first…');
    const second = await drill(owned.sandbox, newLog);
    steps.push(step('stress drill in the new region', second.record, second.dir));
    const gateDir = RunDir.create(defaultRunDir(options.outRoot, 'gate'));
    const gate = writeRecord(gateDir, compareRuns(first.record, second.record, DEMO_CONFIG, { baseline: first.dir, current: second.dir }, options.signal));
    steps.push(step('release gate (second drill vs first)', gate, gateDir.dir));
    return steps;
  } finally {
    await owned.sandbox?.stop().catch(() => {});
    for (const db of owned.dbs) await db.close().catch(() => {});
  }
}

function step(name: string, record: RunRecord, dir: string): DemoStep {
  const took = formatDuration(Date.parse(record.endedAt) - Date.parse(record.startedAt));
  const counts = record.checks.reduce<Record<string, number>>((acc, c) => ((acc[c.status] = (acc[c.status] ?? 0) + 1), acc), {});
  const summary = `${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}; took ${took}`;
  return { name, verdict: record.verdict, dir: path.join(dir, 'report.md'), summary };
}
