import type { DrillConfig } from '../core/config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import type { RunRecordInput } from '../reports/record.ts';
import type { RunDir } from '../reports/run-dir.ts';
import type { Transition } from '../signals/alerts/tracker.ts';
import type { HealthSample } from '../signals/health/sample.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { finishRecord } from './record-base.ts';

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
export async function runWatch(options: WatchOptions): Promise<RunRecordInput> {
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

/** Resolves after `ms`, or as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
