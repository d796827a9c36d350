import { GeneratorMonitor } from '../../engine/generator-monitor.ts';
import { LoadEngine } from '../../engine/load-engine.ts';
import { MachineSampler } from '../../engine/machine.ts';
import { LoadStats } from '../../engine/stats.ts';
import type { Batch } from '../../engine/protocol.ts';
import type { DrillConfig } from '../../config/schema.ts';
import type { IntervalSummary } from '../../record/load.ts';
import type { RunDir } from '../../record/run-dir.ts';
import { targetAt } from '../../scenarios/stages.ts';
import type { SignalSession } from '../../signals/session.ts';
import { sleep } from '../sleep.ts';
import type { StressPlan } from '../stress-plan.ts';
import type { LoadPhaseResult } from './phase.ts';

export interface Arm {
  target: string;
  session: SignalSession;
  runDir: RunDir;
}

export interface AbLoadContext {
  plan: StressPlan;
  config: DrillConfig;
  control: Arm;
  candidate: Arm;
  signal: AbortSignal;
  now: () => number;
  onInterval?(arm: 'control' | 'candidate', interval: IntervalSummary): void;
}

/**
 * The live A/B load on the built-in engine: one set of worker threads runs the profile's
 * users twice over, each user and its twin (same session, own think times) loading the
 * control and the candidate, so both deployments get the profile's schedule in the same
 * window, their requests interleaved. Noise on the machine or the network hits both alike.
 * Each arm keeps its own statistics and intervals stream; the generator's health and
 * machine are shared.
 */
export async function runAbLoad(o: AbLoadContext): Promise<{ control: LoadPhaseResult; candidate: LoadPhaseResult }> {
  const { plan } = o;
  const generator = new GeneratorMonitor();
  const machine = new MachineSampler(o.now);
  const arms = [o.control, o.candidate];
  const stats = arms.map(() => new LoadStats(plan.scenario.routes, o.now()));
  const streams = arms.map((arm) => arm.runDir.stream('intervals.ndjson'));
  for (const s of stats) s.machine = machine;
  const n = plan.scenario.routes.length;
  let fatal: string | null = null;
  const engine = new LoadEngine({
    target: o.control.target,
    candidateTarget: o.candidate.target,
    scenario: plan.scenario,
    cookies: plan.cookies,
    cronSecret: plan.cronSecret,
    workers: plan.workers,
    timeoutMs: o.config.stress.timeout,
    connections: Math.max(4, Math.min(256, Math.ceil(plan.profile.peakUsers / plan.workers))),
    onBatch: (batch, worker) => {
      const auth = split(batch, stats, n, engine.activeUsers);
      const t = o.now();
      auth.forEach((count, i) => count > 0 && arms[i]!.session.evaluator.state.observeAuthFailures(t, count));
      generator.observe(worker, batch.elu, t);
    },
    onFatal: (message) => (fatal ??= message),
  });
  await engine.ready();
  const loadStart = o.now();
  for (const s of stats) s.startAt(loadStart);
  generator.start();
  machine.start();
  for (const arm of arms) arm.session.evaluator.state.observeAuthFailures(loadStart, 0);
  const emit = (until: number) =>
    stats.forEach((s, i) => {
      for (const interval of s.closeIntervals(until)) {
        streams[i]!.write(interval);
        o.onInterval?.(i === 0 ? 'control' : 'candidate', interval);
      }
    });
  let lastSecond = -1;
  while (!o.signal.aborted && !fatal) {
    const elapsed = o.now() - loadStart;
    if (elapsed >= plan.profile.durationMs) break;
    engine.setUsers(targetAt(plan.profile.stages, elapsed));
    const second = Math.floor(elapsed / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      emit(o.now());
    }
    await sleep(250, o.signal);
  }
  await engine.stop();
  emit(Number.POSITIVE_INFINITY);
  const endedAt = o.now();
  const loads = stats.map((s) => s.summary(true));
  // One generator for both arms: its health and its machine belong to each record.
  const lag = loads[0]!.scheduleLagMs && loads[1]!.scheduleLagMs && loads[1]!.scheduleLagMs.p99 > loads[0]!.scheduleLagMs.p99 ? loads[1]!.scheduleLagMs : loads[0]!.scheduleLagMs;
  const health = generator.finish(lag ?? null, loads[0]!.dropped + loads[1]!.dropped, o.config.limits);
  const ref = o.config.gate.referenceRoute;
  const machineSummary = machine.finish(lag ?? null, null);
  const result = (i: number): LoadPhaseResult => {
    const load = loads[i]!;
    return {
      startedAt: loadStart,
      endedAt,
      load,
      percentileMs: (key, p) => stats[i]!.percentileMs(key, p),
      generator: health,
      abortedBy: null,
      fatal,
      checks: [],
      results: {
        workers: plan.workers,
        arm: i === 0 ? 'control' : 'candidate',
        machine: { ...machineSummary, referenceRoute: load.routes[ref] ? { name: ref, latencyMs: load.routes[ref].latencyMs } : null },
      },
    };
  };
  return { control: result(0), candidate: result(1) };
}

/** Hands each answer to its arm's statistics (route index ≥ n: the candidate); returns auth failures per arm. */
function split(batch: Batch, stats: LoadStats[], n: number, users: number): [number, number] {
  const auth: [number, number] = [0, 0];
  for (let i = 0; i < batch.count; i += 1) {
    const route = batch.route[i]!;
    const arm = route >= n ? 1 : 0;
    if (stats[arm]!.record(route - arm * n, batch.status[i]!, batch.error[i]!, batch.latencyUs[i]!, batch.lagUs[i]!, batch.endMs[i]!, users)) auth[arm] += 1;
  }
  stats[0]!.dropped += batch.dropped;
  return auth;
}
