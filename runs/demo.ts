import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, resolvedConfig, type LoadedConfig } from '../config/load.ts';
import { formatDuration } from '../core/duration.ts';
import { secrets } from '../core/secrets.ts';
import type { RunRecord } from '../record/run-record.ts';
import { RunDir, defaultRunDir } from '../record/run-dir.ts';
import { openEmbedded, type EmbeddedDb } from '../sandbox/db/db.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { liveGate } from './live-gate.ts';
import { runRestoreDrill, type RestoreMethod } from './restore-drill.ts';
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
function demoConfig(windowMs: number): LoadedConfig {
  return resolvedConfig(parseConfig({
    watch: { interval: '1s' },
    alerts: { worker_cron_failing: { cronPeriod: '2s' } },
    stress: { baseline: `${Math.min(5000, windowMs)}ms`, recoveryTimeout: '30s' },
    validate: { window: `${windowMs}ms`, drainTimeout: '30s', canary: { timeout: '30s' }, expectPitr: false },
    // A 20-second demo cannot decide 10 % questions: its gate shows the mechanics with loose
    // tolerances, and judges only what has enough requests (overall, the busiest routes).
    gate: { maxLatencyShift: 0.5, maxP95Regression: 1, maxP99Regression: 2, minThroughputRatio: 0.75, maxErrorRateIncrease: 0.05, minRequests: 200 },
    // The demo's app runs in this very process, beside its load generator, by design: on a
    // busy laptop the generator's lag is the app's own CPU use, not a harness limit worth an
    // invalid verdict. A late request is still timed from when it was due, so every latency
    // shown includes the lag; only the cut-off for calling the run invalid is looser.
    limits: { maxScheduleLagP99: '250ms' },
  }));
}

/**
 * The uses on the embedded default, no services needed: a stress drill against the
 * sandbox, a local region move (a binary copy of the embedded database into a second one,
 * the app switched, the Management API fake in the new region), the cutover checklist, the
 * release gate comparing a second drill with the first, and the quarterly restore drill on
 * the new region's database, appended to the readiness record the cutover read.
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
  const owned: { sandbox?: Sandbox; candidate?: Sandbox; dbs: EmbeddedDb[] } = { dbs: [] };
  // Sessions valid on every sandbox of the demo, as on every deployment of one Supabase project.
  const sandboxOptions = { port: 0, cronSecret, supabaseAccessToken: apiToken, jwtSecret: randomBytes(24).toString('hex'), authIssuer: 'http://127.0.0.1/auth/v1' };
  secrets.add(sandboxOptions.jwtSecret);
  try {
    progress('1/5 starting the CE Pro sandbox on an embedded database (PGlite)…');
    const oldDb = await openEmbedded();
    owned.dbs.push(oldDb);
    const oldDbUrl = await oldDb.expose({ host: '127.0.0.1', port: 0 });
    const logDir = RunDir.create(defaultRunDir(options.outRoot, 'demo-logs'));
    const oldLog = logDir.file('sandbox-old-region.log');
    owned.sandbox = await startSandbox({ ...sandboxOptions, logFile: oldLog, region: 'us-east-1' }, { db: oldDb });

    const drill = async (sandbox: Sandbox, log: string) => {
      const dir = defaultRunDir(options.outRoot, 'stress');
      const record = await runStress({
        config: DEMO_CONFIG,
        out: dir,
        target: sandbox.url,
        profile: 'smoke',
        users: 20,
        durationMs: stressMs,
        cookies: await sandbox.mintCookies(20),
        cronSecret,
        logs: log,
        signal: options.signal,
        onProgress: (line, live) => !live && progress(`    ${line}`),
      });
      return { record, dir };
    };
    progress(`2/5 stress drill: smoke profile, 20 users for ${formatDuration(stressMs)} against ${owned.sandbox.url} (watching health, queue and logs)…`);
    const first = await drill(owned.sandbox, oldLog);
    steps.push(step('stress drill (smoke)', first.record, first.dir));
    if (options.signal.aborted) return steps;

    progress('3/5 region move: copying the database into a new "eu-central-1" project, switching the app, validating the cutover…');
    await owned.sandbox.stop();
    const cutoverAt = new Date();
    const newDb = await openEmbedded({ dump: await oldDb.dump() });
    owned.dbs.push(newDb);
    const newDbUrl = await newDb.expose({ host: '127.0.0.1', port: 0 });
    const newLog = logDir.file('sandbox-new-region.log');
    owned.sandbox = await startSandbox({ ...sandboxOptions, logFile: newLog, region: 'eu-central-1' }, { db: newDb });
    // The new project's first backup, taken after the restore: backups.recent wants one later than the cutover.
    owned.sandbox.supabase.recordBackup(owned.sandbox.options.projectRef);
    const readiness = logDir.file('restore-readiness.yml');
    const lastRestoreDrill = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(readiness, `backups_enabled: true\nretention: 7 days (daily backups, Pro plan)\nrestore_owner: On-call database owner\nlast_restore_drill: ${lastRestoreDrill}\n`);
    const validateDir = defaultRunDir(options.outRoot, 'validate');
    const validate = await validateCutover({
        config: DEMO_CONFIG,
        out: validateDir,
        target: owned.sandbox.url,
        cronSecret,
        databaseUrl: newDbUrl,
        sourceDatabaseUrl: oldDbUrl,
        supabaseToken: apiToken,
        projectRef: owned.sandbox.options.projectRef,
        supabaseApiUrl: owned.sandbox.url,
        expectRegion: 'eu-central-1',
        readiness,
        cutoverAt,
        logs: newLog,
        signal: options.signal,
        onProgress: (line) => progress(`    ${line}`),
      });
    steps.push(step('cutover validation', validate, validateDir));
    if (options.signal.aborted) return steps;

    // The candidate: a second deployment of the app on the same project (database, sign-in),
    // judged side by side with the running one, so noise on this machine hits both alike.
    progress('4/5 release gate, live A/B: the new region\'s app (control) and a candidate deployment beside it, loaded together…');
    const candidateLog = logDir.file('sandbox-candidate.log');
    owned.candidate = await startSandbox({ ...sandboxOptions, logFile: candidateLog, region: 'eu-central-1' }, { db: newDb });
    const gateDir = defaultRunDir(options.outRoot, 'gate');
    const gate = await liveGate({
      config: DEMO_CONFIG,
      out: gateDir,
      control: owned.sandbox.url,
      candidate: owned.candidate.url,
      profile: 'smoke',
      // More requests than the first drill: a p95 of a few hundred requests on a busy laptop
      // cannot tell +0 % from +100 %, and the gate would say so (inconclusive).
      users: 30,
      durationMs: Math.round(stressMs * 1.5),
      cookies: await owned.sandbox.mintCookies(30),
      cronSecret,
      signal: options.signal,
      onProgress: (line, live) => !live && progress(`    ${line}`),
    });
    steps.push(step('release gate (candidate vs control, side by side)', gate, gateDir));
    if (options.signal.aborted) return steps;

    // The quarterly restore drill, on the new region's database: the app stopped so the source
    // is quiet, its data directory copied (the embedded database's backup), restored into a
    // database of its own, timed, compared with the source, and the app started on it.
    progress('5/5 restore drill: backing up the new region\'s database, restoring it into a scratch database, proving it whole, starting the app on it…');
    await owned.candidate.stop();
    owned.candidate = undefined;
    await owned.sandbox.stop();
    owned.sandbox = undefined;
    let image: Blob | File | null = null;
    const copy: RestoreMethod = {
      name: 'PGlite data-directory copy',
      async dump() {
        image = await newDb.dump();
        return { bytes: image.size };
      },
      async restore() {
        const restored = await openEmbedded({ dump: image! });
        owned.dbs.push(restored);
        return { url: await restored.expose({ host: '127.0.0.1', port: 0 }), db: restored };
      },
    };
    const restoreDir = defaultRunDir(options.outRoot, 'restore-drill');
    const restore = await runRestoreDrill({
      config: DEMO_CONFIG,
      out: restoreDir,
      fromDatabase: newDbUrl,
      method: copy,
      readiness,
      operator: 'drill demo',
      env: {},
      signal: options.signal,
      onProgress: (line) => progress(`    ${line}`),
    });
    steps.push(step('restore drill (recorded in the readiness file)', restore, restoreDir));
    return steps;
  } finally {
    await owned.candidate?.stop().catch(() => {});
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
