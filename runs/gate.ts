import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { loadResultsOf, type CheckResultInput, type GateRecord, type RecordInputOf, type RunRecord } from '../record/run-record.ts';
import { readRecord, runDirOf } from '../record/read.ts';
import { UsageError } from '../core/errors.ts';
import { finishRecord } from './record-base.ts';
import { compareLoads, type Comparison, type GateMode } from './gate-compare.ts';
import { cwdOf, resolveConfig, runDirPath, type RunInputs } from './inputs.ts';
import { writeRun } from './write-run.ts';

/** The release gate as a library call: a run judged against a baseline. */
export interface GateInput extends RunInputs {
  /** The baseline: a run directory, its run.json, or a record (default: config `baseline`, then reports/baseline). */
  baseline?: string | RunRecord;
  /** The run to judge: a run directory, its run.json, or a record. */
  current: string | RunRecord;
}

/** Compares the current run with the baseline, writes the gate's run directory and returns its record. */
export async function compareRuns(input: GateInput): Promise<GateRecord> {
  const cwd = cwdOf(input);
  const config = await resolveConfig(input);
  const side = (run: string | RunRecord, name: string): { record: RunRecord; path: string } => {
    if (typeof run !== 'string') return { record: run, path: `(${name} record given in memory)` };
    const dir = runDirOf(cwd, run);
    return { record: readRecord(dir), path: dir };
  };
  const baselineArg = input.baseline ?? config.baseline ?? 'reports/baseline';
  if (typeof baselineArg === 'string' && input.baseline === undefined && !existsSync(path.resolve(cwd, baselineArg))) {
    throw new UsageError(`drill gate: no --baseline and no saved baseline at ${baselineArg}; save one with drill baseline save RUN`);
  }
  const baseline = side(baselineArg, 'baseline');
  const current = side(input.current, 'current');
  const dirOf = (run: string | RunRecord, s: { path: string }) => (typeof run === 'string' ? s.path : null);
  return writeRun('gate', runDirPath(input, config, 'gate'), input.env ?? process.env, async () =>
    gateRun(baseline.record, current.record, config, { baseline: baseline.path, current: current.path }, input.signal ?? new AbortController().signal, {
      mode: 'stored',
      dirs: { baseline: dirOf(baselineArg, baseline), current: dirOf(input.current, current) },
    }),
  );
}

/**
 * The pricing-change release gate: the current run against a baseline, per route and
 * overall, each comparison an estimate with its interval (runs/gate-compare.ts). A
 * regression beyond tolerance at the chosen confidence fails; so do alerts that fire now
 * and did not then, and a queue that takes much longer to recover. Evidence that cannot
 * decide is inconclusive, and says how much longer a run would need to be.
 *
 * `mode` live: the baseline is the control, loaded in the same window (runs/live-gate.ts);
 * stored: a saved run, where a changed environment is named instead of blamed.
 */
export function gateRun(
  baseline: RunRecord,
  current: RunRecord,
  config: DrillConfig,
  paths: { baseline: string; current: string },
  signal: AbortSignal,
  options: { mode?: GateMode; dirs?: { baseline: string | null; current: string | null }; control?: string; candidate?: string } = {},
): RecordInputOf<'gate'> {
  const mode = options.mode ?? 'stored';
  const started = Date.now();
  const gate = config.gate;
  const baseResults = loadResultsOf(baseline);
  const curResults = loadResultsOf(current);
  const base = baseResults?.load;
  const cur = curResults?.load;
  const checks: CheckResultInput[] = [];
  let comparison: Comparison | null = null;
  if (!base || !cur) {
    checks.push({ id: 'gate.inputs', status: 'error', summary: `${!base ? 'the baseline' : 'the current run'} has no load results: both must be stress runs`, evidence: paths });
  } else {
    if (baseResults?.profile && curResults?.profile) {
      const bp = baseResults.profile.name;
      const cp = curResults.profile.name;
      if (bp !== cp) checks.push({ id: 'gate.profile', strict: false, status: 'warn', summary: `profiles differ: baseline ${bp}, current ${cp}`, evidence: { baseline: bp, current: cp } });
    }
    comparison = compareLoads(
      { record: baseline, dir: options.dirs?.baseline ?? null },
      { record: current, dir: options.dirs?.current ?? null },
      config,
      mode,
    );
    checks.push(...comparison.checks);
    const newAlerts = current.alerts.filter((a) => a.firedAt && !baseline.alerts.find((b) => b.id === a.id && b.firedAt)).map((a) => a.id);
    checks.push({
      id: 'gate.alerts',
      status: newAlerts.length ? 'fail' : 'pass',
      summary: newAlerts.length ? `alerts fired now and not in the baseline: ${newAlerts.join(', ')}` : 'no alert fired that the baseline did not',
      evidence: { newAlerts },
    });
    const bRec = baseResults?.recovery?.drainMs;
    const cRec = curResults?.recovery;
    if (typeof bRec === 'number' && cRec) {
      const slower = cRec.drainMs === null ? Number.POSITIVE_INFINITY : cRec.drainMs - bRec;
      checks.push({
        id: 'gate.queue_recovery',
        status: slower > gate.maxRecoveryIncrease ? 'fail' : 'pass',
        summary: cRec.drainMs === null
          ? `the queue did not recover in the current run (baseline: ${formatDuration(bRec)})`
          : `queue recovery ${formatDuration(bRec)} -> ${formatDuration(cRec.drainMs)} (allowed +${formatDuration(gate.maxRecoveryIncrease)})`,
        evidence: { baseline: bRec, current: cRec.drainMs, allowed: gate.maxRecoveryIncrease },
      });
    } else {
      checks.push({ id: 'gate.queue_recovery', status: 'skip', summary: 'recovery time missing in one of the runs (no queue snapshot)', evidence: {} });
    }
  }
  return finishRecord({
    kind: 'gate',
    target: current.target,
    startedAt: started,
    endedAt: Date.now(),
    config,
    signal,
    checks,
    alerts: [],
    streams: {},
    results: {
      baseline: paths.baseline,
      current: paths.current,
      baselineStartedAt: baseline.startedAt,
      currentStartedAt: current.startedAt,
      tolerances: gate,
      mode,
      confidence: gate.confidence,
      ...(comparison ? { comparisons: comparison.comparisons, distributions: comparison.distributions, environment: comparison.environment } : {}),
      ...(options.control ? { control: options.control, candidate: options.candidate } : {}),
    },
  });
}
