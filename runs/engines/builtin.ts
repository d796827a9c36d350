import { runAutocannonLoad } from '../../engine/autocannon-load.ts';
import { GeneratorMonitor } from '../../engine/generator-monitor.ts';
import { MachineSampler } from '../../engine/machine.ts';
import { LoadEngine } from '../../engine/load-engine.ts';
import { LoadStats } from '../../engine/stats.ts';
import type { IntervalSummary } from '../../record/load.ts';
import { targetAt } from '../../scenarios/stages.ts';
import { evaluateThresholds, type ThresholdSpec } from '../../thresholds/evaluate.ts';
import { sleep } from '../sleep.ts';
import type { LoadEngineRunner, LoadPhaseContext, LoadPhaseResult } from './phase.ts';

/** How often the control loop sets the target users or rate. */
const TICK_MS = 250;

/**
 * The built-in engine: users ramp through the profile's stages in worker threads while the
 * watcher runs; one line per second goes to intervals.ndjson as it happens; an abortOnFail
 * threshold or a signal stops the load early.
 */
export const builtinEngine: LoadEngineRunner = {
  async run(o) {
    const { plan } = o;
    const generator = new GeneratorMonitor();
    const machine = new MachineSampler(o.now);
    const intervals = o.runDir.stream('intervals.ndjson');
    const stats = new LoadStats(plan.scenario.routes, o.now());
    stats.machine = machine;
    const open = plan.profile.model === 'open';
    let fatal: string | null = null;
    const engine = new LoadEngine({
      target: plan.target,
      scenario: plan.scenario,
      cookies: plan.cookies,
      cronSecret: plan.cronSecret,
      workers: plan.workers,
      timeoutMs: o.config.stress.timeout,
      ...openModelLimits(open ? o.config.stress.maxInFlight : null, plan.profile.peakUsers, plan.workers),
      onBatch: (batch, worker) => {
        const auth = stats.add(batch, engine.activeUsers, o.now());
        const t = o.now();
        if (auth > 0) o.session.evaluator.state.observeAuthFailures(t, auth);
        generator.observe(worker, batch.elu, t);
      },
      onFatal: (message) => (fatal ??= message),
    });
    await engine.ready();
    stats.startAt(o.now());
    generator.start();
    machine.start();
    // From the first request on, the drill's own 401/403 count is an auth-failure series.
    o.session.evaluator.state.observeAuthFailures(o.now(), 0);
    const loadStart = o.now();
    let abortedBy: string | null = null;
    let lastSecond = -1;
    const emit = (list: IntervalSummary[]) => {
      for (const interval of list) {
        intervals.write(interval);
        o.onInterval?.(interval);
      }
    };
    while (!o.signal.aborted && !abortedBy && !fatal) {
      const elapsed = o.now() - loadStart;
      if (elapsed >= plan.profile.durationMs) break;
      // The rate holds until the next tick, so it is the ramp's value half a tick ahead: the
      // mean over the coming tick. The value now would under-send every rising ramp.
      if (open) engine.setRate((stats.rateNow = targetAt(plan.profile.stages, Math.min(elapsed + TICK_MS / 2, plan.profile.durationMs))));
      else engine.setUsers(targetAt(plan.profile.stages, elapsed));
      o.sessions?.apply(engine);
      const second = Math.floor(elapsed / 1000);
      if (second !== lastSecond) {
        lastSecond = second;
        emit(stats.closeIntervals(o.now()));
        abortedBy = checkAbort(plan.thresholds, stats, elapsed);
      }
      await sleep(TICK_MS, o.signal);
    }
    await engine.stop();
    emit(stats.closeIntervals(Number.POSITIVE_INFINITY));
    return finish(o, stats, generator, loadStart, abortedBy, fatal, { workers: plan.workers }, machine);
  },
};

/**
 * Connections and the in-flight cap per worker. Closed model: enough connections for each
 * worker's share of users. Open model (`maxInFlight` given): the cap is split over the
 * workers, and each may open a connection per request it may have in flight (at most 256;
 * beyond that requests wait for a connection, and that wait is in their latency).
 */
export function openModelLimits(maxInFlight: number | null, peakUsers: number, workers: number): { connections: number; maxInFlight?: number } {
  if (maxInFlight === null) return { connections: Math.max(4, Math.min(256, Math.ceil(peakUsers / workers))) };
  const perWorker = Math.max(1, Math.ceil(maxInFlight / workers));
  return { connections: Math.max(4, Math.min(256, perWorker)), maxInFlight: perWorker };
}

/**
 * The closed-model ceiling on autocannon: the profile's peak users as connections, back to
 * back, no ramp. Same plan, thresholds, abort rules and record as the built-in engine.
 */
export const autocannonEngine: LoadEngineRunner = {
  async run(o) {
    const { plan } = o;
    const generator = new GeneratorMonitor();
    const intervals = o.runDir.stream('intervals.ndjson');
    const stats = new LoadStats(plan.scenario.routes, o.now());
    generator.start();
    o.session.evaluator.state.observeAuthFailures(o.now(), 0);
    const loadStart = o.now();
    stats.startAt(loadStart);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    o.signal.addEventListener('abort', onSignal, { once: true });
    let abortedBy: string | null = null;
    const emit = (list: IntervalSummary[]) => {
      for (const interval of list) {
        intervals.write(interval);
        o.onInterval?.(interval);
      }
    };
    const ticker = setInterval(() => {
      emit(stats.closeIntervals(o.now()));
      abortedBy ??= checkAbort(plan.thresholds, stats, o.now() - loadStart);
      if (abortedBy) stop.abort();
    }, 1000);
    try {
      await runAutocannonLoad({
        target: plan.target,
        scenario: plan.scenario,
        cookies: plan.cookies,
        cronSecret: plan.cronSecret,
        connections: plan.profile.peakUsers,
        durationMs: plan.profile.durationMs,
        timeoutMs: o.config.stress.timeout,
        stats,
        signal: stop.signal,
        onAuthFailures: (n) => o.session.evaluator.state.observeAuthFailures(o.now(), n),
      });
    } finally {
      clearInterval(ticker);
      o.signal.removeEventListener('abort', onSignal);
    }
    emit(stats.closeIntervals(Number.POSITIVE_INFINITY));
    return finish(o, stats, generator, loadStart, abortedBy, null, {});
  },
};

function finish(
  o: LoadPhaseContext,
  stats: LoadStats,
  generator: GeneratorMonitor,
  startedAt: number,
  abortedBy: string | null,
  fatal: string | null,
  results: LoadPhaseResult['results'],
  machine: MachineSampler | null = null,
): LoadPhaseResult {
  const load = stats.summary(true);
  const referenceName = o.config.gate.referenceRoute;
  const reference = load.routes[referenceName] ? { name: referenceName, latencyMs: load.routes[referenceName].latencyMs } : null;
  if (machine) results = { ...results, machine: machine.finish(load.scheduleLagMs ?? null, reference) };
  return {
    startedAt,
    endedAt: o.now(),
    load,
    percentileMs: (key, p) => stats.percentileMs(key, p),
    generator: generator.finish(load.scheduleLagMs, load.dropped, o.config.limits),
    abortedBy,
    fatal,
    checks: [],
    results,
  };
}

function checkAbort(specs: readonly ThresholdSpec[], stats: LoadStats, elapsedMs: number): string | null {
  const due = specs.filter((s) => s.abortOnFail && elapsedMs >= s.delayAbortEvalMs);
  if (due.length === 0) return null;
  const summary = stats.summary();
  const results = evaluateThresholds(due, summary.overall, summary.routes, (k, p) => stats.percentileMs(k, p));
  const breached = results.find((r) => r.status === 'fail');
  return breached ? `${breached.title} breached after ${Math.round(elapsedMs / 1000)}s: ${breached.summary}` : null;
}
