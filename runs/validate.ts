import type { DrillConfig } from '../core/config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import type { RunRecordInput } from '../reports/record.ts';
import type { RunDir } from '../reports/run-dir.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';
import { runChecks, type CutoverCheck } from '../validation/check.ts';
import type { ValidateContext } from '../validation/context.ts';
import { SupabaseApi } from '../validation/supabase-api.ts';
import { finishRecord } from './record-base.ts';
import { sleep, streamsOf } from './watch.ts';

export interface ValidateOptions {
  config: DrillConfig;
  target: string;
  cronSecret?: string;
  databaseUrl?: string;
  sourceDatabaseUrl?: string;
  supabaseToken?: string;
  projectRef?: string;
  supabaseApiUrl?: string;
  expectRegion?: string;
  readinessFile?: string;
  cutoverAt?: Date;
  cookies?: string[];
  logs?: LogSource | null;
  runDir: RunDir;
  signal: AbortSignal;
  checks?: readonly CutoverCheck[];
  onProgress?(line: string): void;
  now?: () => number;
}

/**
 * The post-region-move checklist: every check at once (independent ones concurrently),
 * the waiting ones over the observation window with the watcher and the runbook alerts
 * alongside. A check without its inputs is `skip`; one that could not run is `error`.
 */
export async function validateCutover(options: ValidateOptions): Promise<RunRecordInput> {
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
