import type { DrillConfig } from '../core/config/schema.ts';
import { runAutocannonLoad } from '../engine/autocannon-load.ts';
import { LoadEngine } from '../engine/load-engine.ts';
import { targetAt } from '../engine/stages.ts';
import { LoadStats, type IntervalSummary } from '../engine/stats.ts';
import type { RunDir } from '../reports/run-dir.ts';
import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { SignalSession } from '../signals/session.ts';
import { evaluateThresholds, type ThresholdSpec } from '../thresholds/evaluate.ts';
import { GeneratorMonitor } from './generator-health.ts';
import { sleep } from './watch.ts';

export interface LoadPhaseOptions {
  config: DrillConfig;
  target: string;
  profile: ResolvedProfile;
  scenario: Scenario;
  cookies: string[];
  cronSecret: string | null;
  workers: number;
  /** drill: the worker-thread engine (paced or closed); autocannon: closed model only. */
  engine: 'drill' | 'autocannon';
  thresholds: ThresholdSpec[];
  session: SignalSession;
  runDir: RunDir;
  signal: AbortSignal;
  now: () => number;
  onInterval?(interval: IntervalSummary): void;
}

export interface LoadPhaseResult {
  stats: LoadStats;
  startedAt: number;
  endedAt: number;
  generator: GeneratorMonitor;
  abortedBy: string | null;
  fatal: string | null;
  peakBacklog: number | null;
}

/**
 * Ramps users through the profile's stages in worker threads while the watcher runs,
 * writes one line per second to intervals.ndjson as it goes, and stops early when an
 * abortOnFail threshold is breached or a signal arrives.
 */
export async function runLoadPhase(o: LoadPhaseOptions): Promise<LoadPhaseResult> {
  const generator = new GeneratorMonitor();
  const intervals = o.runDir.stream('intervals.ndjson');
  const startedAt = o.now();
  const stats = new LoadStats(o.scenario.routes, startedAt);
  let fatal: string | null = null;
  let peakBacklog: number | null = null;
  if (o.engine === 'autocannon') return runOnAutocannon(o, stats, generator, intervals);
  const engine = new LoadEngine({
    target: o.target,
    scenario: o.scenario,
    cookies: o.cookies,
    cronSecret: o.cronSecret,
    workers: o.workers,
    timeoutMs: o.config.stress.timeout,
    connections: Math.max(4, Math.min(256, Math.ceil(o.profile.peakUsers / o.workers))),
    onBatch: (batch, worker) => {
      const auth = stats.add(batch, engine.activeUsers);
      const t = o.now();
      if (auth > 0) o.session.evaluator.state.observeAuthFailures(t, auth);
      generator.observe(worker, batch.elu, t);
    },
    onFatal: (message) => (fatal ??= message),
  });
  await engine.ready();
  stats.startAt(o.now());
  generator.start();
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
    if (elapsed >= o.profile.durationMs) break;
    engine.setUsers(targetAt(o.profile.stages, elapsed));
    const second = Math.floor(elapsed / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      emit(stats.closeIntervals(o.now()));
      const q = o.session.latest()?.queue;
      if (q) peakBacklog = Math.max(peakBacklog ?? 0, q.pending + q.retrying);
      abortedBy = checkAbort(o.thresholds, stats, elapsed);
    }
    await sleep(250, o.signal);
  }
  await engine.stop();
  emit(stats.closeIntervals(Number.POSITIVE_INFINITY));
  return { stats, startedAt: loadStart, endedAt: o.now(), generator, abortedBy, fatal, peakBacklog };
}

async function runOnAutocannon(
  o: LoadPhaseOptions,
  stats: LoadStats,
  generator: GeneratorMonitor,
  intervals: ReturnType<RunDir['stream']>,
): Promise<LoadPhaseResult> {
  generator.start();
  o.session.evaluator.state.observeAuthFailures(o.now(), 0);
  const loadStart = o.now();
  stats.startAt(loadStart);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  o.signal.addEventListener('abort', onSignal, { once: true });
  let abortedBy: string | null = null;
  let peakBacklog: number | null = null;
  const ticker = setInterval(() => {
    for (const interval of stats.closeIntervals(o.now())) {
      intervals.write(interval);
      o.onInterval?.(interval);
    }
    const q = o.session.latest()?.queue;
    if (q) peakBacklog = Math.max(peakBacklog ?? 0, q.pending + q.retrying);
    abortedBy ??= checkAbort(o.thresholds, stats, o.now() - loadStart);
    if (abortedBy) stop.abort();
  }, 1000);
  try {
    await runAutocannonLoad({
      target: o.target,
      scenario: o.scenario,
      cookies: o.cookies,
      cronSecret: o.cronSecret,
      connections: o.profile.peakUsers,
      durationMs: o.profile.durationMs,
      timeoutMs: o.config.stress.timeout,
      stats,
      signal: stop.signal,
      onAuthFailures: (n) => o.session.evaluator.state.observeAuthFailures(o.now(), n),
    });
  } finally {
    clearInterval(ticker);
    o.signal.removeEventListener('abort', onSignal);
  }
  for (const interval of stats.closeIntervals(Number.POSITIVE_INFINITY)) {
    intervals.write(interval);
    o.onInterval?.(interval);
  }
  return { stats, startedAt: loadStart, endedAt: o.now(), generator, abortedBy, fatal: null, peakBacklog };
}

function checkAbort(specs: readonly ThresholdSpec[], stats: LoadStats, elapsedMs: number): string | null {
  const due = specs.filter((s) => s.abortOnFail && elapsedMs >= s.delayAbortEvalMs);
  if (due.length === 0) return null;
  const summary = stats.summary();
  const results = evaluateThresholds(due, summary.overall, summary.routes, (k, p) => stats.percentileMs(k, p));
  const breached = results.find((r) => r.status === 'fail');
  return breached ? `${breached.title} breached after ${Math.round(elapsedMs / 1000)}s: ${breached.summary}` : null;
}
