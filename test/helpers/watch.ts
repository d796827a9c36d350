import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepMerge, parseConfig, resolvedConfig } from '../../config/load.ts';
import type { DrillConfigInput } from '../../config/schema.ts';
import type { RunRecord } from '../../record/run-record.ts';
import { runWatch } from '../../runs/watch.ts';
import type { LogSource } from '../../signals/session.ts';

/** Alert settings scaled down from minutes to seconds, so faults fire within a test. */
export const FAST_ALERTS: DrillConfigInput = {
  watch: { interval: '250ms', timeout: '1s' },
  alerts: {
    health_degraded: { for: '1s' },
    queue_backlog_high: { threshold: 5, for: '1s' },
    oldest_ready_age_high: { threshold: 2 },
    worker_cron_failing: { cronPeriod: '500ms', threshold: 3 },
    webhook_failures_spike: { window: '5s', threshold: 3 },
    admin_auth_failures_spike: { window: '5s', threshold: 5 },
  },
};

export interface WatchRun {
  record: RunRecord;
  dir: string;
}

export async function watchFor(
  target: string,
  durationMs: number,
  options: { logs?: LogSource | null; config?: DrillConfigInput; cronSecret?: string; during?: () => Promise<void> } = {},
): Promise<WatchRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-watch-'));
  const config = resolvedConfig(parseConfig(deepMerge(FAST_ALERTS, options.config ?? {})));
  const running = runWatch({ config, out: dir, env: {}, target, durationMs, cronSecret: options.cronSecret, logs: options.logs });
  await options.during?.();
  const record: RunRecord = await running;
  return { record, dir };
}

export function fired(record: RunRecord): string[] {
  return record.alerts.filter((a) => a.firedAt).map((a) => a.id).sort();
}
