import type { LoadSummary } from '../record/load.ts';
import type { CapacitySignal } from '../record/results.ts';
import { evaluateThresholds, type ThresholdSpec } from '../thresholds/evaluate.ts';

/** What one step of the capacity search saw: pure data, so the judgement is a pure function. */
export interface StepObservation {
  rate: number;
  holdMs: number;
  load: LoadSummary;
  percentileMs(key: string, p: number): number | null;
  /** Requests in flight (all workers), sampled through the step: ms since the step began. */
  inFlight: { tMs: number; n: number }[];
  /** The app's job backlog (pending + retrying) from the watcher's samples in the step. */
  backlog: { tMs: number; n: number }[];
  /** Normal backlog (the baseline's, or the rule's), below which growth is no concern. */
  normalBacklog: number;
  /** Runbook alerts that were firing at the end of the step. */
  firing: string[];
  generator: { scheduleLagP99Ms: number | null; peakWorkerUtilization: number };
}

export interface StepJudgement {
  sustainable: boolean;
  /** The generator saturated: this step says nothing of the app. */
  generatorLimited: boolean;
  broke: { signal: CapacitySignal; detail: string }[];
}

export interface JudgeLimits {
  maxScheduleLagP99: number;
  maxWorkerUtilization: number;
  maxErrorRate: number;
  minRequests: number;
}

/** Least-squares slope of n over t, per second; 0 with fewer than three points. */
export function slopePerSecond(points: readonly { tMs: number; n: number }[]): number {
  if (points.length < 3) return 0;
  const mt = points.reduce((a, p) => a + p.tMs, 0) / points.length;
  const mn = points.reduce((a, p) => a + p.n, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.tMs - mt) * (p.n - mn);
    den += (p.tMs - mt) ** 2;
  }
  return den > 0 ? (num / den) * 1000 : 0;
}

/**
 * Whether a step's rate is sustainable, and every signal that says it is not. The generator
 * is judged first: when it saturated, the step is the harness's limit and nothing else is
 * read from it. Then, each as the app's own signal:
 * - `threshold`: a configured threshold broken over the step;
 * - `alert`: a runbook alert firing;
 * - `queue`: the job backlog growing through the step (beyond normal);
 * - `in_flight`: requests piling up (in flight growing through the step: arrivals outpace
 *   answers, the app's own request queue), or arrivals dropped at the in-flight cap;
 * - `error_rate`: more errors than capacity.maxErrorRate.
 */
export function judgeStep(o: StepObservation, thresholds: readonly ThresholdSpec[], limits: JudgeLimits): StepJudgement {
  const broke: StepJudgement['broke'] = [];
  const lag = o.generator.scheduleLagP99Ms;
  if (lag !== null && lag > limits.maxScheduleLagP99) broke.push({ signal: 'generator', detail: `requests left ${lag.toFixed(1)}ms late at p99 (limit ${limits.maxScheduleLagP99}ms)` });
  if (o.generator.peakWorkerUtilization > limits.maxWorkerUtilization) {
    broke.push({ signal: 'generator', detail: `a load worker was ${Math.round(o.generator.peakWorkerUtilization * 100)}% busy (limit ${Math.round(limits.maxWorkerUtilization * 100)}%)` });
  }
  if (broke.length) return { sustainable: false, generatorLimited: true, broke };

  const overall = o.load.overall;
  for (const result of evaluateThresholds(thresholds, overall, o.load.routes, o.percentileMs, limits.minRequests)) {
    if (result.status === 'fail') broke.push({ signal: 'threshold', detail: result.summary });
  }
  if (o.firing.length) broke.push({ signal: 'alert', detail: `firing: ${o.firing.join(', ')}` });

  // Growth is read past the step's first quarter: the previous step's answers drain there.
  const late = (points: readonly { tMs: number; n: number }[]) => points.filter((p) => p.tMs >= o.holdMs * 0.25);
  const backlog = late(o.backlog);
  if (backlog.length >= 2) {
    const rise = backlog.at(-1)!.n - backlog[0]!.n;
    if (backlog.at(-1)!.n > o.normalBacklog && rise > Math.max(5, o.normalBacklog * 0.2) && slopePerSecond(backlog) > 0) {
      broke.push({ signal: 'queue', detail: `the job backlog grew from ${backlog[0]!.n} to ${backlog.at(-1)!.n} through the step (normal up to ${o.normalBacklog})` });
    }
  }
  const inFlight = late(o.inFlight);
  const growth = slopePerSecond(inFlight);
  const rise = inFlight.length ? inFlight.at(-1)!.n - inFlight[0]!.n : 0;
  // Arrivals outpacing answers by more than 3 % of the rate (at least 3 a second), for long
  // enough to see (5 requests): below that is the noise of a steady rate x latency.
  if (growth > Math.max(3, 0.03 * o.rate) && rise > 5) {
    broke.push({ signal: 'in_flight', detail: `requests piled up: in flight grew ${growth.toFixed(1)}/s (from ${inFlight[0]!.n} to ${inFlight.at(-1)!.n}) at ${round(o.rate)}/s: the app answers fewer than arrive` });
  }
  const dropped = overall.dropped ?? 0;
  if (dropped > 0) broke.push({ signal: 'in_flight', detail: `${dropped} arrivals dropped at the in-flight cap (stress.maxInFlight)` });
  if (overall.requests > 0 && overall.errorRate > limits.maxErrorRate) {
    broke.push({ signal: 'error_rate', detail: `error rate ${(overall.errorRate * 100).toFixed(2)}% (limit ${(limits.maxErrorRate * 100).toFixed(2)}%)` });
  }
  if (overall.requests === 0) broke.push({ signal: 'error_rate', detail: 'no answer at all in the step' });
  return { sustainable: broke.length === 0, generatorLimited: false, broke };
}

export const round = (rate: number) => (rate >= 100 ? Math.round(rate) : Math.round(rate * 10) / 10);

/**
 * The next rate to try. Ramp: multiply by the step factor up to the cap. Bisect: the middle
 * of the bracket [highest sustainable, lowest broken]; done when the bracket is within the
 * precision (or the ramp never broke below the cap).
 */
export function nextRate(state: { low: number | null; high: number | null; last: number | null }, o: { startRate: number; maxRate: number; stepFactor: number; precision: number }): number | null {
  if (state.last === null) return Math.min(o.startRate, o.maxRate);
  if (state.high === null) {
    if (state.last >= o.maxRate) return null;
    return Math.min(o.maxRate, state.last * o.stepFactor);
  }
  const low = state.low ?? 0;
  if (low > 0 && state.high / low <= 1 + o.precision) return null;
  // Nothing sustainable yet: halve toward a rate that is, down to 1/s.
  if (low === 0 && state.high <= 1) return null;
  return (low + state.high) / 2;
}
