import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepMerge, parseConfig } from '../../core/config/load.ts';
import type { DrillConfigInput } from '../../core/config/schema.ts';
import { writeRecord } from '../../reports/write.ts';
import { RunDir } from '../../reports/run-dir.ts';
import { runStress } from '../../runs/stress.ts';
import { defaultScenario } from '../../scenarios/load.ts';
import { resolveProfile } from '../../scenarios/profiles.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { FAST_ALERTS } from './watch.ts';

/** A smoke drill squeezed to seconds: short baseline, fast sampling, quick recovery deadline. */
export const FAST_STRESS: DrillConfigInput = deepMerge(FAST_ALERTS, {
  stress: { baseline: '1s', recoveryTimeout: '5s', timeout: '3s' },
}) as DrillConfigInput;

export async function stressFor(
  target: string,
  options: {
    config?: DrillConfigInput;
    cookies: string[];
    cronSecret?: string;
    durationMs?: number;
    users?: number;
    scenario?: Scenario;
    logs?: string;
    profile?: 'smoke' | 'max';
    engine?: 'drill' | 'autocannon';
  },
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-stress-'));
  const runDir = RunDir.create(dir);
  const config = parseConfig(deepMerge(FAST_STRESS, options.config ?? {}));
  const profile = resolveProfile(options.profile ?? 'smoke', config, { durationMs: options.durationMs ?? 4000, users: options.users ?? 8 });
  const input = await runStress({
    config,
    target,
    profile,
    scenario: options.scenario ?? defaultScenario(),
    cookies: options.cookies,
    cronSecret: options.cronSecret,
    logs: options.logs ? { kind: 'file', path: options.logs } : null,
    workers: 1,
    engine: options.engine,
    runDir,
    signal: new AbortController().signal,
  });
  runDir.closeStreams();
  return { record: writeRecord(runDir, input), dir };
}
