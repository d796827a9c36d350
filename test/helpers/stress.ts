import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepMerge, parseConfig, resolvedConfig } from '../../config/load.ts';
import type { DrillConfigInput } from '../../config/schema.ts';
import { runStress } from '../../runs/stress.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { FAST_ALERTS } from './watch.ts';

/** A smoke drill squeezed to seconds: short baseline, fast sampling, quick recovery deadline. */
export const FAST_STRESS: DrillConfigInput = deepMerge(FAST_ALERTS, {
  stress: { baseline: '1s', recoveryTimeout: '5s', timeout: '3s', minRequests: 5 },
  // These tests judge the target, not the generator: on a busy 2-core CI machine the
  // generator's own lag would make their runs `invalid`. The saturation test sets its own.
  limits: { maxScheduleLagP99: '5s', maxWorkerUtilization: 1 },
}) as DrillConfigInput;

export async function stressFor(
  target: string,
  options: {
    config?: DrillConfigInput;
    cookies: string[];
    cronSecret?: string;
    durationMs?: number;
    users?: number;
    /** Open model: peak arrivals per second (no users then). */
    rate?: number;
    scenario?: Scenario;
    logs?: string;
    profile?: 'smoke' | 'max' | 'spike' | 'soak' | 'breakpoint';
    engine?: 'drill' | 'autocannon';
    onProgress?(line: string, live: boolean): void;
    signal?: AbortSignal;
  },
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-stress-'));
  const config = resolvedConfig(parseConfig(deepMerge(FAST_STRESS, options.config ?? {})));
  const record = await runStress({
    config,
    out: dir,
    env: {},
    target,
    profile: options.profile ?? 'smoke',
    durationMs: options.durationMs ?? 4000,
    users: options.rate !== undefined ? undefined : (options.users ?? 8),
    rate: options.rate,
    scenario: options.scenario,
    cookies: options.cookies,
    cronSecret: options.cronSecret,
    logs: options.logs ?? null,
    workers: 1,
    engine: options.engine,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return { record, dir };
}
