import path from 'node:path';
import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { secrets } from '../core/secrets.ts';
import type { CheckResultInput, RecordInputOf, ValidateRecord } from '../record/run-record.ts';
import type { RunDir } from '../record/run-dir.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { runChecks, type CutoverCheck } from '../validation/check.ts';
import type { ValidateContext } from '../validation/context.ts';
import { refuseSameDatabase } from '../validation/db/identity.ts';
import { SupabaseApi } from '../validation/supabase-api.ts';
import { cookiesFromList, readCookiePool } from '../scenarios/sessions/pool.ts';
import { finishRecord } from './record-base.ts';
import { cronSecretOf, cwdOf, logSourceOf, resolveConfig, runDirPath, type LogsInput, type RunInputs } from './inputs.ts';
import { sleep } from './sleep.ts';
import { writeRun } from './write-run.ts';
import { streamsOf } from './watch.ts';

/** The cutover checklist as a library call: one options object in, the run's record out. */
export interface ValidateInput extends RunInputs {
  /** Base URL of the new environment (default: config `target`). */
  target?: string;
  /** Default: CRON_SECRET from `env`. */
  cronSecret?: string;
  /** The new and the old database (default: DATABASE_URL and SOURCE_DATABASE_URL from `env`). */
  databaseUrl?: string;
  sourceDatabaseUrl?: string;
  /** Default: SUPABASE_ACCESS_TOKEN from `env`. */
  supabaseToken?: string;
  projectRef?: string;
  supabaseApiUrl?: string;
  expectRegion?: string;
  /** The backup and restore readiness record (YAML or JSON). */
  readiness?: string;
  /** When traffic moved: a Date or an ISO 8601 time. */
  cutoverAt?: Date | string;
  /** A cookie pool file or Cookie headers, for a canary through the app route. */
  cookies?: string | readonly string[];
  logs?: LogsInput | null;
  /** Only these checks (default: the whole checklist). */
  checks?: readonly CutoverCheck[];
  /** A skipped required check fails the run (default: validate.strict, which is on in CI). */
  strict?: boolean;
  onProgress?(line: string): void;
}

/**
 * Runs the post-region-move checklist, writes the run directory and returns the record.
 * Database URLs hold passwords: they are registered as secrets before anything can print them.
 */
export async function validateCutover(input: ValidateInput): Promise<ValidateRecord> {
  const cwd = cwdOf(input);
  const env = input.env ?? process.env;
  const config = await resolveConfig(input);
  const target = (input.target ?? config.target)?.replace(/\/+$/, '');
  if (!target) throw new UsageError('drill validate: --target is required (or set target in drill.config); e.g. --target https://app.example');
  const databaseUrl = input.databaseUrl ?? (env.DATABASE_URL || undefined);
  const sourceDatabaseUrl = input.sourceDatabaseUrl ?? (env.SOURCE_DATABASE_URL || undefined);
  for (const [flag, url] of [['--database-url', databaseUrl], ['--source-database-url', sourceDatabaseUrl]] as const) {
    secrets.add(url);
    if (url && !/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`drill validate ${flag}: not a postgres:// connection URL`);
  }
  // Comparing a database with itself passes every parity check: refused (exit 2) before anything runs.
  await refuseSameDatabase(sourceDatabaseUrl, databaseUrl);
  const cutoverAt = input.cutoverAt === undefined ? undefined : parseCutoverAt(input.cutoverAt);
  const supabaseToken = input.supabaseToken ?? (env.SUPABASE_ACCESS_TOKEN || undefined);
  secrets.add(supabaseToken);
  const cookies = typeof input.cookies === 'string' ? readCookiePool(cwd, input.cookies) : input.cookies ? cookiesFromList(input.cookies, 'the cookies option') : [];
  return writeRun('validate', runDirPath(input, config, 'validate'), env, (runDir) =>
    validateRun({
      config,
      target,
      cronSecret: cronSecretOf(input.cronSecret, env),
      databaseUrl,
      sourceDatabaseUrl,
      supabaseToken,
      projectRef: input.projectRef,
      supabaseApiUrl: input.supabaseApiUrl,
      expectRegion: input.expectRegion,
      readinessFile: input.readiness ? path.resolve(cwd, input.readiness) : undefined,
      cutoverAt,
      cookies,
      logs: logSourceOf(cwd, input.logs),
      runDir,
      signal: input.signal ?? new AbortController().signal,
      checks: input.checks,
      strict: input.strict ?? (config.validate.strict === 'ci' ? Boolean(env.CI && env.CI !== 'false' && env.CI !== '0') : config.validate.strict),
      onProgress: input.onProgress,
    }),
  );
}

/**
 * A checklist with most of its checks skipped proves little. Strict (the default in CI):
 * a skipped strict check fails the run; otherwise the skips are listed as a warning.
 */
function completeness(checks: readonly CheckResultInput[], strict: boolean): CheckResultInput {
  const skipped = checks.filter((c) => c.status === 'skip' && c.strict !== false).map((c) => c.id);
  const base = { id: 'validate.complete', title: 'Every required check ran', evidence: { strict, skipped, total: checks.length } };
  if (skipped.length === 0) return { ...base, status: 'pass', summary: `all ${checks.length} checks had their inputs` };
  const list = `${skipped.length} of ${checks.length} checks skipped (${skipped.join(', ')})`;
  return strict
    ? { ...base, status: 'fail', summary: `${list}: in strict mode a skipped required check fails the run; give their inputs, or run without --strict` }
    : { ...base, strict: false, status: 'warn', summary: `${list}: give their inputs, or read the report's skips before trusting the pass (--strict makes this a failure)` };
}

function parseCutoverAt(value: Date | string): Date {
  const at = value instanceof Date ? value : new Date(value);
  if ((typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}T/.test(value)) || Number.isNaN(at.getTime())) {
    throw new UsageError(`drill validate --cutover-at: "${String(value)}" is not an ISO 8601 time; use e.g. 2026-11-29T09:00:00Z`);
  }
  return at;
}

/** What validateRun takes: the input's own fields where they pass through, the rest resolved. */
export interface ValidateOptions extends Pick<ValidateInput, 'cronSecret' | 'databaseUrl' | 'sourceDatabaseUrl' | 'supabaseToken' | 'projectRef' | 'supabaseApiUrl' | 'expectRegion' | 'checks' | 'strict' | 'onProgress'> {
  config: DrillConfig;
  target: string;
  readinessFile?: string;
  cutoverAt?: Date;
  cookies?: string[];
  logs?: LogSource | null;
  runDir: RunDir;
  signal: AbortSignal;
  now?: () => number;
}

/**
 * The post-region-move checklist: every check at once (independent ones concurrently),
 * the waiting ones over the observation window with the watcher and the runbook alerts
 * alongside. A check without its inputs is `skip`; one that could not run is `error`.
 */
export async function validateRun(options: ValidateOptions): Promise<RecordInputOf<'validate'>> {
  const now = options.now ?? Date.now;
  const { config } = options;
  const progress = options.onProgress ?? (() => {});
  const startedAt = now();
  const session = new SignalSession({
    config,
    target: options.target,
    cronSecret: options.cronSecret,
    runDir: options.runDir,
    logs: options.logs,
    now,
    onTransition: (id, t) => progress(`alert ${id} ${t.state}: ${t.reason}`),
  });
  // An unreachable app is the health checks' finding, not a reason to skip the database
  // and backup checks an operator needs at 2 a.m.; the watcher records failed samples.
  await session.start();
  const windowMs = config.validate.window;
  const windowDone = sleep(windowMs, options.signal);
  const projectRef = options.projectRef ?? config.validate.projectRef ?? null;
  const api = options.supabaseToken
    ? new SupabaseApi({
        baseUrl: options.supabaseApiUrl ?? config.validate.supabaseApiUrl,
        token: options.supabaseToken,
        maxBackoffMs: config.validate.maxRateLimitWait,
        retries: 2,
        timeoutMs: 15_000,
      })
    : null;
  const ctx: ValidateContext = {
    config,
    target: options.target,
    cronSecret: options.cronSecret ?? null,
    databaseUrl: options.databaseUrl ?? null,
    sourceDatabaseUrl: options.sourceDatabaseUrl ?? null,
    api,
    projectRef,
    expectRegion: options.expectRegion ?? config.validate.expectRegion ?? null,
    readinessFile: options.readinessFile ?? null,
    cutoverAt: options.cutoverAt ?? null,
    cookies: options.cookies ?? [],
    windowMs,
    drainTimeoutMs: config.validate.drainTimeout,
    session,
    windowDone,
    signal: options.signal,
    now,
  };
  progress(`validate: ${(options.checks ?? CUTOVER_CHECKS).length} checks; observing for ${formatDuration(windowMs)}`);
  const checks = await runChecks(options.checks ?? CUTOVER_CHECKS, ctx);
  checks.push(completeness(checks, options.strict ?? false));
  await windowDone;
  await session.stop();
  const endedAt = now();
  return finishRecord({
    kind: 'validate',
    target: options.target,
    startedAt,
    endedAt,
    config,
    signal: options.signal,
    checks,
    alerts: session.alerts(),
    streams: streamsOf(options),
    results: {
      windowMs,
      wallMs: endedAt - startedAt,
      inputs: {
        database: Boolean(options.databaseUrl),
        sourceDatabase: Boolean(options.sourceDatabaseUrl),
        managementApi: Boolean(api),
        projectRef,
        expectRegion: ctx.expectRegion,
        readiness: Boolean(options.readinessFile),
        cutoverAt: options.cutoverAt?.toISOString() ?? null,
      },
      managementApiCalls: api?.log ?? [],
      ...session.results(),
    },
  });
}
