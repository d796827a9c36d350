import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DrillConfig } from '../config/schema.ts';
import { CannotRunError, UsageError, describeError } from '../core/errors.ts';
import { secrets } from '../core/secrets.ts';
import type { RestoreDrillResults } from '../record/results.ts';
import type { CheckResultInput, RecordInputOf, RestoreDrillRecord } from '../record/run-record.ts';
import { decideVerdict } from '../record/run-record.ts';
import type { RunDir } from '../record/run-dir.ts';
import type { Db } from '../sandbox/db/db.ts';
import { startSandbox } from '../sandbox/index.ts';
import { compareDatabases } from '../validation/db/compare.ts';
import { withClient } from '../validation/db/connect.ts';
import { readIdentity, sameDatabase, type DatabaseIdentity } from '../validation/db/identity.ts';
import { archiveTime, dumpBytes, dumpDatabase, dumpFormatOf, restoreDump } from '../validation/restore/dump.ts';
import { parityFigures, parityVerdict, parseDrift, restoreChecks, type DriftAllowance } from '../validation/restore/judge.ts';
import { describeDatabase } from '../validation/restore/pg-tools.ts';
import { appendDrill } from '../validation/restore/readiness-file.ts';
import { newestRow } from '../validation/restore/rpo.ts';
import { clearScratch, scratchContents } from '../validation/restore/scratch.ts';
import { smokeApp } from '../validation/restore/smoke.ts';
import { finishRecord } from './record-base.ts';
import { cronSecretOf, cwdOf, resolveConfig, runDirPath, type RunInputs } from './inputs.ts';
import { writeRun } from './write-run.ts';

/**
 * A way to copy a database other than pg_dump and pg_restore (the demo's embedded databases
 * copy their data directory): dump, then restore into a database of its own, whose URL
 * (and, for the app smoke, its handle) comes back.
 */
export interface RestoreMethod {
  name: string;
  dump(): Promise<{ bytes: number | null }>;
  restore(): Promise<{ url: string; db?: Db }>;
}

export interface RestoreDrillInput extends RunInputs {
  /** Dump this database and restore it into the scratch database (default: SOURCE_DATABASE_URL). */
  fromDatabase?: string;
  /** Restore this dump file (custom, directory or plain SQL) into the scratch database. */
  fromDump?: string;
  /** Verify a restore made elsewhere (a Supabase clone); default: RESTORED_DATABASE_URL. */
  restoredUrl?: string;
  /** The source parity compares with, for --from-dump and --restored-url (default: fromDatabase, then SOURCE_DATABASE_URL). */
  sourceDatabaseUrl?: string;
  /** Where the restore goes (default: SCRATCH_DATABASE_URL). */
  scratchUrl?: string;
  /** Clear a scratch database that is not empty. */
  replace?: boolean;
  /** Another way to dump and restore (the demo); the scratch database is then not used. */
  method?: RestoreMethod;
  /**
   * Keep the dump of --from-database here. By default it goes to a temporary directory and is
   * removed once restored: a dump holds every row of the source, and run directories get
   * uploaded as CI artifacts.
   */
  dumpFile?: string;
  /** The readiness record the drill is appended to. */
  readiness?: string;
  /** An app pointed at the restored database, smoked instead of a sandbox. */
  appUrl?: string;
  /** Start a sandbox on the restored database when it holds CE Pro's tables (default true). */
  sandboxSmoke?: boolean;
  cronSecret?: string;
  /** Keys allowed to differ (rows written after the dump): a count, or a percentage of rows ("0.5%"). */
  maxDrift?: string | number;
  maxRtoMs?: number;
  maxRpoMs?: number;
  /** Who ran it, for the readiness record (default: DRILL_OPERATOR, GITHUB_ACTOR, USER). */
  operator?: string;
  onProgress?(line: string): void;
  now?: () => number;
}

type Mode = NonNullable<RestoreDrillResults['mode']>;

interface Plan {
  mode: Mode;
  sourceUrl: string | null;
  restoredUrl: string | null;
  scratchUrl: string | null;
  dumpFile: string | null;
  drift: DriftAllowance;
}

function postgresUrl(command: string, flag: string, url: string | undefined): string | null {
  if (!url) return null;
  secrets.add(url);
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`${command} ${flag}: not a postgres:// connection URL`);
  return url;
}

const CMD = 'drill restore-drill';

/** What to restore from, where to, and what to compare with; every refusal is a UsageError naming the fix. */
function plan(input: RestoreDrillInput, env: NodeJS.ProcessEnv, cwd: string): Plan {
  // --from-database alongside --from-dump or --restored-url names the source parity compares with.
  if (input.fromDump && input.restoredUrl) throw new UsageError(`${CMD}: --from-dump and --restored-url are two different drills; give one of them`);
  const drift = parseDrift(input.maxDrift);
  if (!drift) throw new UsageError(`${CMD} --max-drift: "${String(input.maxDrift)}" is not a key count or a percentage; use e.g. --max-drift 100 or --max-drift 0.5%`);
  const source = postgresUrl(CMD, input.fromDatabase ? '--from-database' : 'SOURCE_DATABASE_URL', input.fromDatabase ?? input.sourceDatabaseUrl ?? (env.SOURCE_DATABASE_URL || undefined));
  const restored = postgresUrl(CMD, input.restoredUrl ? '--restored-url' : 'RESTORED_DATABASE_URL', input.restoredUrl ?? (input.fromDump ? undefined : env.RESTORED_DATABASE_URL || undefined));
  const mode: Mode = input.fromDump ? 'from-dump' : restored ? 'restored-url' : 'from-database';
  const scratch = mode === 'restored-url' || input.method ? null : postgresUrl(CMD, 'SCRATCH_DATABASE_URL', input.scratchUrl ?? (env.SCRATCH_DATABASE_URL || undefined));
  if (mode === 'from-database' && !source) {
    throw new UsageError(`${CMD}: nothing to restore; give --from-database URL (a password only in SOURCE_DATABASE_URL), --from-dump FILE or --restored-url URL`);
  }
  if (mode !== 'restored-url' && !input.method && !scratch) {
    throw new UsageError(`${CMD}: SCRATCH_DATABASE_URL is not set; export it as the URL of an empty database the drill may restore into (e.g. postgres://postgres@127.0.0.1:5432/drill_scratch)`);
  }
  const dumpFile = input.fromDump ? path.resolve(cwd, input.fromDump) : null;
  if (dumpFile && !existsSync(dumpFile)) throw new UsageError(`${CMD} --from-dump: ${dumpFile} does not exist; give the path of a pg_dump file (custom format or plain SQL)`);
  for (const [flag, ms] of [['--max-rto', input.maxRtoMs], ['--max-rpo', input.maxRpoMs]] as const) {
    if (ms !== undefined && (!Number.isFinite(ms) || ms <= 0)) throw new UsageError(`${CMD} ${flag}: must be longer than 0; e.g. ${flag} 1h`);
  }
  if (input.appUrl && !/^https?:\/\//.test(input.appUrl)) throw new UsageError(`${CMD} --app-url: "${input.appUrl}" is not an http(s) URL; e.g. --app-url http://127.0.0.1:3999`);
  return { mode, sourceUrl: source, restoredUrl: restored, scratchUrl: scratch, dumpFile, drift };
}

async function identityOf(url: string, what: string): Promise<DatabaseIdentity> {
  try {
    return await withClient(url, readIdentity, { applicationName: CMD });
  } catch (error) {
    throw new CannotRunError(`${CMD}: the ${what} cannot be reached (${secrets.redact(describeError(error))}); check the URL and that the server is up`, 'E_DB_UNREACHABLE');
  }
}

/**
 * Refused before anything runs (exit 2): a scratch target that is the source, told apart
 * by identity and not only by URL (a pooler and a direct URL reach one database), and a
 * scratch database that already holds objects, unless --replace clears it.
 */
async function preflight(p: Plan, replace: boolean): Promise<void> {
  const target = p.scratchUrl ?? p.restoredUrl;
  const what = p.scratchUrl ? 'scratch database (SCRATCH_DATABASE_URL)' : 'restored database';
  if (!target) return;
  const fix = p.scratchUrl ? 'point SCRATCH_DATABASE_URL at an empty database of its own' : 'point --restored-url at the restored copy, not at the source';
  if (p.sourceUrl && p.sourceUrl === target) throw new UsageError(`${CMD}: the ${what} is the source database: ${fix}`, 'E_SAME_DATABASE');
  const targetId = await identityOf(target, what);
  if (p.sourceUrl) {
    const sourceId = await identityOf(p.sourceUrl, 'source database');
    if (sameDatabase(sourceId, targetId)) {
      throw new UsageError(`${CMD}: the ${what} is the source database (${sourceId.database}, database oid ${sourceId.databaseOid}, same server): ${fix}`, 'E_SAME_DATABASE');
    }
  }
  if (p.scratchUrl && !replace) {
    const contents = await withClient(p.scratchUrl, scratchContents, { applicationName: CMD });
    if (contents.objects > 0) {
      throw new UsageError(`${CMD}: the scratch database ${targetId.database} is not empty (${contents.objects} objects: ${contents.first.join(', ')}${contents.objects > contents.first.length ? ', …' : ''}); point SCRATCH_DATABASE_URL at an empty database, or pass --replace to clear it`, 'E_SCRATCH_NOT_EMPTY');
    }
  }
}

function operatorOf(input: RestoreDrillInput, env: NodeJS.ProcessEnv): string {
  if (input.operator) return input.operator;
  if (env.DRILL_OPERATOR) return env.DRILL_OPERATOR;
  if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (GitHub Actions)`;
  try {
    return env.USER || env.USERNAME || os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The restore drill as a library call: one options object in, the drill's record out. */
export async function runRestoreDrill(input: RestoreDrillInput): Promise<RestoreDrillRecord> {
  const cwd = cwdOf(input);
  const env = input.env ?? process.env;
  const config = await resolveConfig(input);
  secrets.add(env.SCRATCH_DATABASE_URL);
  secrets.add(env.RESTORED_DATABASE_URL);
  const p = plan(input, env, cwd);
  await preflight(p, Boolean(input.replace));
  if (p.scratchUrl && input.replace) {
    // Before the run starts: a scratch database drill may not clear (schemas owned by another
    // role, as on a Supabase project) is refused with the reason, and nothing is timed.
    input.onProgress?.('restore-drill: clearing the scratch database (--replace)…');
    await withClient(p.scratchUrl, clearScratch, { applicationName: CMD }).catch((error: unknown) => {
      throw new CannotRunError(`${CMD} --replace: could not clear the scratch database (${secrets.redact(describeError(error))}); clear it by hand, or point SCRATCH_DATABASE_URL at an empty database`, 'E_SCRATCH_CLEAR');
    });
  }
  const cronSecret = cronSecretOf(input.cronSecret, env) ?? null;
  const readiness = input.readiness ? path.resolve(cwd, input.readiness) : null;
  return writeRun('restore-drill', runDirPath(input, config, 'restore-drill'), env, (runDir) =>
    drill({ input, env, config, plan: p, runDir, cronSecret, readiness, operator: operatorOf(input, env), cwd }),
  );
}

interface DrillContext {
  input: RestoreDrillInput;
  env: NodeJS.ProcessEnv;
  config: DrillConfig;
  plan: Plan;
  runDir: RunDir;
  cronSecret: string | null;
  readiness: string | null;
  operator: string;
  cwd: string;
}

async function timed<T>(now: () => number, fn: () => Promise<T>): Promise<{ value?: T; error?: string; startedAt: string; durationMs: number }> {
  const started = now();
  try {
    const value = await fn();
    return { value, startedAt: new Date(started).toISOString(), durationMs: now() - started };
  } catch (error) {
    return { error: secrets.redact(describeError(error)), startedAt: new Date(started).toISOString(), durationMs: now() - started };
  }
}

/**
 * The drill, stage by stage: dump, restore, RPO, parity, app smoke. A stage that errors is
 * recorded as such with its time, the stages after it that need it are skipped, and every
 * figure already measured stays in the record.
 */
async function drill(ctx: DrillContext): Promise<RecordInputOf<'restore-drill'>> {
  const temp: { dir: string | null } = { dir: null };
  try {
    return await stages(ctx, temp);
  } finally {
    // The temporary dump holds every row of the source: never left behind, whatever happened.
    if (temp.dir) rmSync(temp.dir, { recursive: true, force: true });
  }
}

async function stages(ctx: DrillContext, temp: { dir: string | null }): Promise<RecordInputOf<'restore-drill'>> {
  const { input, plan: p, config } = ctx;
  const now = input.now ?? Date.now;
  const progress = input.onProgress ?? (() => {});
  const signal = input.signal ?? new AbortController().signal;
  const startedAt = now();
  const r: RestoreDrillResults = {
    mode: p.mode,
    source: p.sourceUrl ? describeDatabase(p.sourceUrl) : null,
    restored: null,
    dump: null,
    restore: null,
    rto: { dumpMs: null, restoreMs: null, totalMs: null, maxMs: input.maxRtoMs ?? null },
    rpo: { dataAsOf: null, basis: 'unknown', newestRow: null, rpoMs: null, maxMs: input.maxRpoMs ?? null },
    parity: null,
    smoke: null,
    readiness: null,
  };
  let restoredUrl: string | null = p.restoredUrl;
  let restoredDb: Db | undefined;
  let dumpFile = p.dumpFile;

  // 1. The dump.
  if (p.mode === 'from-database') {
    if (input.method) {
      progress(`restore-drill: dumping the source (${input.method.name})…`);
      const t = await timed(now, () => input.method!.dump());
      r.dump = { status: t.error ? 'error' : 'pass', startedAt: t.startedAt, durationMs: t.durationMs, error: t.error ?? null, file: null, format: 'binary', bytes: t.value?.bytes ?? null };
    } else {
      if (!input.dumpFile) temp.dir = mkdtempSync(path.join(os.tmpdir(), 'drill-restore-'));
      dumpFile = input.dumpFile ? path.resolve(ctx.cwd, input.dumpFile) : path.join(temp.dir!, 'source.dump');
      progress(`restore-drill: pg_dump of ${describeDatabase(p.sourceUrl!).database} to ${input.dumpFile ? dumpFile : 'a temporary file'}…`);
      const file = dumpFile;
      const t = await timed(now, () => dumpDatabase(p.sourceUrl!, file, { env: ctx.env, signal }));
      r.dump = { status: t.error ? 'error' : 'pass', startedAt: t.startedAt, durationMs: t.durationMs, error: t.error ?? null, file: input.dumpFile ? file : null, kept: Boolean(input.dumpFile), format: 'custom', bytes: existsSync(file) ? dumpBytes(file) : null };
    }
    r.rto!.dumpMs = r.dump.durationMs;
    // pg_dump reads one snapshot taken as it starts: the restored data is as of then.
    if (r.dump.status === 'pass') r.rpo = { ...r.rpo!, dataAsOf: r.dump.startedAt, basis: 'dump time' };
  } else if (p.mode === 'from-dump') {
    r.dump = { status: 'skip', startedAt: null, durationMs: null, error: null, file: dumpFile, format: dumpFormatOf(dumpFile!), bytes: dumpBytes(dumpFile!) };
  }

  // 2. The restore.
  const dumped = p.mode === 'from-dump' || r.dump?.status === 'pass';
  if (p.mode !== 'restored-url' && dumped && !signal.aborted) {
    if (input.method) {
      progress(`restore-drill: restoring (${input.method.name})…`);
      const t = await timed(now, () => input.method!.restore());
      restoredUrl = t.value?.url ?? null;
      restoredDb = t.value?.db;
      if (restoredUrl) secrets.add(restoredUrl);
      r.restore = { status: t.error ? 'error' : 'pass', startedAt: t.startedAt, durationMs: t.durationMs, error: t.error ?? null, tool: input.method.name };
    } else {
      const format = p.mode === 'from-dump' ? r.dump!.format! : 'custom';
      progress(`restore-drill: restoring ${dumpFile} into the scratch database ${describeDatabase(p.scratchUrl!).database}…`);
      const t = await timed(now, () => restoreDump(dumpFile!, format as 'custom' | 'plain' | 'directory', p.scratchUrl!, { env: ctx.env, signal }));
      r.restore = { status: t.error ? 'error' : 'pass', startedAt: t.startedAt, durationMs: t.durationMs, error: t.error ?? null, tool: t.value ?? (format === 'plain' ? 'psql' : 'pg_restore') };
      restoredUrl = p.scratchUrl;
    }
    r.rto!.restoreMs = r.restore.durationMs;
    if (r.restore.status === 'pass') r.rto!.totalMs = (r.rto!.dumpMs ?? 0) + r.restore.durationMs!;
  } else if (p.mode !== 'restored-url') {
    r.restore = { status: 'skip', startedAt: null, durationMs: null, error: null, tool: null };
  }
  r.restored = restoredUrl ? describeDatabase(restoredUrl) : null;
  const restoredOk = p.mode === 'restored-url' || r.restore?.status === 'pass';

  // 3. How old the restored data is: the dump time, else the newest written row.
  if (restoredOk && restoredUrl && r.rpo!.basis === 'unknown' && !signal.aborted) {
    progress('restore-drill: dating the newest row (created_at/updated_at-style columns)…');
    const url = restoredUrl;
    const t = await timed(now, () => withClient(url, (c) => newestRow(c), { applicationName: CMD, statementTimeoutMs: config.validate.content.statementTimeout }));
    if (t.value) r.rpo = { ...r.rpo!, dataAsOf: t.value.at, basis: 'newest row', newestRow: { ...t.value } };
    else if (dumpFile && r.dump?.format !== 'plain') {
      const archived = archiveTime(dumpFile, ctx.env);
      if (archived) r.rpo = { ...r.rpo!, dataAsOf: archived, basis: 'archive time' };
    }
  }

  // 4. Parity with the source, when there is one.
  if (restoredOk && restoredUrl && p.sourceUrl && !signal.aborted) {
    progress('restore-drill: comparing the restored database with the source (schema catalogue, then every row)…');
    const url = restoredUrl;
    const v = config.validate;
    const t = await timed(now, () =>
      compareDatabases(p.sourceUrl!, url, {
        schemas: v.schemas,
        exclude: v.exclude,
        ignore: v.schemaIgnore,
        chunkSize: v.content.chunkSize,
        statementTimeoutMs: v.content.statementTimeout,
        recheckAfterMs: v.content.recheckAfter,
        maxKeys: v.content.maxKeys,
        signal,
      }),
    );
    r.parity = t.value
      ? parityFigures(t.value, p.drift, t)
      : { status: 'error', startedAt: t.startedAt, durationMs: t.durationMs, error: t.error ?? 'failed', schemaDifferences: null, firstDifferences: [], tables: null, tablesDiffering: [], tablesErrored: [], differingKeys: null, allowedDrift: 0, rows: null };
  } else {
    r.parity = { status: 'skip', startedAt: null, durationMs: null, error: restoredOk && !p.sourceUrl ? 'no source database to compare with: give --from-database or SOURCE_DATABASE_URL' : null, schemaDifferences: null, firstDifferences: [], tables: null, tablesDiffering: [], tablesErrored: [], differingKeys: null, allowedDrift: 0, rows: null };
  }
  const verifiedAt = now();
  if (r.rpo!.dataAsOf) r.rpo!.rpoMs = Math.max(0, verifiedAt - Date.parse(r.rpo!.dataAsOf));

  // 5. The app on the restored database.
  if (restoredOk && restoredUrl && !signal.aborted) r.smoke = await smoke(ctx, restoredUrl, restoredDb, now, progress);

  const checks = restoreChecks(r);
  if (ctx.readiness) checks.push(appendToReadiness(ctx, r, checks, startedAt, signal));
  return finishRecord({
    kind: 'restore-drill',
    target: r.restored?.database ? `${r.restored.host ?? ''}/${r.restored.database}` : null,
    startedAt,
    endedAt: now(),
    config,
    signal,
    checks,
    alerts: [],
    streams: {},
    results: r,
  });
}

async function smoke(ctx: DrillContext, restoredUrl: string, restoredDb: Db | undefined, now: () => number, progress: (line: string) => void): Promise<RestoreDrillResults['smoke']> {
  const { input, config } = ctx;
  const started = now();
  const base = { startedAt: new Date(started).toISOString(), via: null, url: null, httpStatus: null, healthStatus: null, queue: null };
  const healthOptions = { healthPath: config.watch.healthPath, queueKey: config.watch.queueKey, timeoutMs: Math.max(config.watch.timeout, 5000) };
  if (input.appUrl) {
    progress(`restore-drill: app smoke against ${input.appUrl}…`);
    const result = await smokeApp(input.appUrl, { ...healthOptions, cronSecret: ctx.cronSecret });
    return { ...base, ...result, via: 'app-url', url: input.appUrl, status: result.status, durationMs: now() - started, error: result.status === 'pass' ? null : result.summary };
  }
  if (input.sandboxSmoke === false) return { ...base, status: 'skip', durationMs: null, error: 'no --app-url given, and the sandbox smoke is off' };
  // The sandbox stands in for CE Pro: it can only run on a database that has CE Pro's queue.
  const hasQueue = await withClient(restoredUrl, async (c) => (await c.query(`select to_regclass('public.background_jobs') is not null as ok`)).rows[0]?.ok === true, { applicationName: CMD }).catch(() => false);
  if (!hasQueue) return { ...base, status: 'skip', durationMs: null, error: 'no --app-url given, and the restored database has no public.background_jobs for the sandbox to run on: give --app-url of an app pointed at the restored database' };
  progress('restore-drill: app smoke: a sandbox started on the restored database…');
  const secret = `restore-smoke-${randomBytes(12).toString('hex')}`;
  secrets.add(secret);
  try {
    const sandbox = await startSandbox(
      { port: 0, cronSecret: secret, logLevel: 'silent', ambientJobsPerTick: 0, ...(restoredDb ? {} : { databaseUrl: restoredUrl }) },
      restoredDb ? { db: restoredDb } : {},
    );
    try {
      const result = await smokeApp(sandbox.url, { ...healthOptions, healthPath: '/api/health', queueKey: 'queue', cronSecret: secret });
      return { ...base, ...result, via: 'sandbox', url: null, durationMs: now() - started, error: result.status === 'pass' ? null : result.summary };
    } finally {
      await sandbox.stop();
    }
  } catch (error) {
    return { ...base, via: 'sandbox', status: 'error', durationMs: now() - started, error: `the sandbox did not start on the restored database: ${secrets.redact(describeError(error))}` };
  }
}

/** Appends the drill to the readiness record: who, when, RTO, RPO, parity, the verdict, the run directory. */
function appendToReadiness(ctx: DrillContext, r: RestoreDrillResults, checks: CheckResultInput[], startedAt: number, signal: AbortSignal): CheckResultInput {
  const file = ctx.readiness!;
  const { verdict } = decideVerdict({ checks: checks.map((c) => ({ strict: true, ...c })), alerts: [], interruptedBy: signal.aborted ? String(signal.reason ?? 'SIGINT') : null });
  const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms / 100) / 10);
  const parity = parityVerdict(checks);
  const base = { id: 'restore.readiness_log', title: 'The drill is recorded in the readiness file' };
  try {
    appendDrill(file, {
      date: new Date(startedAt).toISOString(),
      by: ctx.operator,
      kind: 'restore-drill',
      mode: r.mode!,
      verdict,
      parity,
      rto_seconds: s(r.rto?.totalMs),
      dump_seconds: s(r.rto?.dumpMs),
      restore_seconds: s(r.rto?.restoreMs),
      rpo_seconds: s(r.rpo?.rpoMs),
      run_dir: path.relative(path.dirname(file), ctx.runDir.dir) || '.',
    });
    r.readiness = { file, appended: true, error: null };
    return { ...base, status: 'pass', summary: `appended to ${file}: ${verdict}, parity ${parity}, by ${ctx.operator}`, durationMs: 0 };
  } catch (error) {
    const message = secrets.redact(describeError(error));
    r.readiness = { file, appended: false, error: message };
    return { ...base, status: 'error', summary: `could not append the drill to ${file}: ${message}` };
  }
}
