import type { DrillConfig } from '../../config/schema.ts';
import type { IntervalSummary, LoadSummary } from '../../record/load.ts';
import type { GeneratorHealth } from '../../record/load.ts';
import type { StressResults } from '../../record/results.ts';
import type { CheckResultInput } from '../../record/run-record.ts';
import type { RunDir } from '../../record/run-dir.ts';
import type { SignalSession } from '../../signals/session.ts';
import type { StressPlan } from '../stress-plan.ts';

/** What the stress run hands an engine: the resolved plan and the watcher running beside it. */
export interface LoadPhaseContext {
  plan: StressPlan;
  config: DrillConfig;
  session: SignalSession;
  runDir: RunDir;
  signal: AbortSignal;
  now: () => number;
  onInterval?(interval: IntervalSummary): void;
  progress(line: string, live: boolean): void;
  /** Refreshed sessions for the engine, when the run's sessions are being refreshed. */
  sessions?: { apply(engine: { setCookies(cookies: string[]): void }): void } | null;
}

/** What any engine gives back: the same shape for the built-in engine, autocannon and k6. */
export interface LoadPhaseResult {
  startedAt: number;
  endedAt: number;
  /** null when no answer was measured (an engine that failed to start). */
  load: LoadSummary | null;
  /** Any percentile, for thresholds the summary does not carry; null where the engine cannot say (k6). */
  percentileMs(key: string, percentile: number): number | null;
  generator: GeneratorHealth | null;
  /** The abortOnFail threshold that stopped the load, when one did. */
  abortedBy: string | null;
  /** The engine itself failed (a worker died, k6 would not run). */
  fatal: string | null;
  /** Engine checks beyond the thresholds (k6's own per-pod verdicts, advisory). */
  checks: CheckResultInput[];
  /** Engine-specific results for the record. */
  results: Partial<StressResults>;
}

export interface LoadEngineRunner {
  run(ctx: LoadPhaseContext): Promise<LoadPhaseResult>;
}
