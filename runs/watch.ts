import path from 'node:path';
import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { withK6Results } from '../k6/record.ts';
import type { RecordInputOf, WatchRecord } from '../record/run-record.ts';
import type { RunDir } from '../record/run-dir.ts';
import { defaultScenario } from '../scenarios/load.ts';
import { resolveThresholdSpecs } from '../thresholds/specs.ts';
import type { Transition } from '../signals/alerts/tracker.ts';
import type { HealthSample } from '../record/health.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { checkDuration, cronSecretOf, cwdOf, logSourceOf, resolveConfig, runDirPath, type LogsInput, type RunInputs } from './inputs.ts';
import { finishRecord } from './record-base.ts';
import { sleep } from './sleep.ts';
import { writeRun } from './write-run.ts';

/** Watching as a library call: one options object in, the run's record out. */
export interface WatchInput extends RunInputs {
  /** Base URL of the app (default: config `target`). */
  target?: string;
  /** How long to watch (at most limits.maxDuration). */
  durationMs: number;
  /** Default: CRON_SECRET from `env`. */
  cronSecret?: string;
  logs?: LogsInput | null;
  /**
   * k6 summaries of a load that ran alongside (read after the watch: k6 writes them when
   * its run ends). The record then becomes a stress record judged by config's thresholds.
   */
  k6Summaries?: readonly string[];
  onProgress?(line: string): void;
}

/**
 * Watches a target for a while: health and queue samples, the runbook's alerts, logs;
 * writes the run directory and returns the record. Never prints or exits.
 */
export async function runWatch(input: WatchInput): Promise<WatchRecord> {
  const cwd = cwdOf(input);
  const env = input.env ?? process.env;
  const config = await resolveConfig(input);
  const target = (input.target ?? config.target)?.replace(/\/+$/, '');
  if (!target) throw new UsageError('drill watch: --target is required (or set target in drill.config); e.g. --target http://127.0.0.1:3999');
  const durationMs = checkDuration('watch', input.durationMs, config);
  const options = {
    config,
    target,
    durationMs,
    cronSecret: cronSecretOf(input.cronSecret, env),
    logs: logSourceOf(cwd, input.logs),
    signal: input.signal ?? new AbortController().signal,
    onProgress: input.onProgress,
  };
  const dir = runDirPath(input, config, 'watch');
  const k6 = (input.k6Summaries ?? []).map((f) => path.resolve(cwd, f));
  return writeRun('watch', dir, env, async (runDir) => {
    const record = await watchRun({ ...options, runDir });
    return k6.length ? withK6Results(record, k6, defaultScenario(), resolveThresholdSpecs(config.thresholds, null), config.stress.minRequests) : record;
  });
}

export interface WatchOptions {
  config: DrillConfig;
  target: string;
  durationMs: number;
  cronSecret?: string;
  logs?: LogSource | null;
  runDir: RunDir;
  signal: AbortSignal;
  /** Progress lines for people (the CLI prints them); the record is the result. */
  onProgress?(line: string): void;
  now?: () => number;
}

/**
 * Watches a target for a while: health and queue samples, the runbook's alerts, logs.
 * Returns the run record; never prints or exits. The verdict fails if any alert fired.
 */
export async function watchRun(options: WatchOptions): Promise<RecordInputOf<'watch'>> {
  const now = options.now ?? Date.now;
  const progress = options.onProgress ?? (() => {});
  const startedAt = now();
  const session = new SignalSession({
    config: options.config,
    target: options.target,
    cronSecret: options.cronSecret,
    runDir: options.runDir,
    logs: options.logs,
    now,
    onTransition: (id: string, t: Transition) => progress(`${t.at} alert ${id} ${t.state}: ${t.reason}`),
    onSample: (sample: HealthSample) => {
      if (sample.seq % 12 === 0) progress(statusLine(sample, startedAt, options.durationMs, session.evaluator.firing()));
    },
  });
  await session.preflight();
  await session.start();
  if (session.drainUrl) progress(`log drain listening at ${session.drainUrl}`);
  await sleep(options.durationMs, options.signal);
  await session.stop();
  return finishRecord({
    kind: 'watch',
    target: options.target,
    startedAt,
    endedAt: now(),
    config: options.config,
    signal: options.signal,
    checks: session.checks(),
    alerts: session.alerts(),
    streams: streamsOf(options),
    results: { ...session.results(), plannedDurationMs: options.durationMs },
  });
}

export function streamsOf(options: { logs?: LogSource | null }): Record<string, string> {
  const streams: Record<string, string> = { samples: 'samples.ndjson', alerts: 'alerts.ndjson' };
  if (options.logs) streams.logs = 'logs.ndjson';
  return streams;
}

function statusLine(sample: HealthSample, startedAt: number, durationMs: number, firing: string[]): string {
  const q = sample.queue;
  const queue = q ? `backlog ${q.pending + q.retrying} dead_letter ${q.dead_letter} oldest ${q.oldest_ready_age_seconds ?? 0}s` : `queue unknown`;
  const health = sample.error ? `sample failed (${sample.error})` : sample.degraded ? 'DEGRADED' : 'healthy';
  return `${formatDuration(sample.tMs - startedAt)}/${formatDuration(durationMs)} ${health}, ${queue}, firing: ${firing.join(', ') || 'none'}`;
}
