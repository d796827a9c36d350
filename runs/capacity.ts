import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { GeneratorMonitor } from '../engine/generator-monitor.ts';
import { LoadEngine } from '../engine/load-engine.ts';
import { LoadStats } from '../engine/stats.ts';
import { backlogOf } from '../record/health.ts';
import type { CapacityResults, CapacityStep } from '../record/results.ts';
import type { CapacityRecord, CheckResultInput, RecordInputOf } from '../record/run-record.ts';
import type { RunDir } from '../record/run-dir.ts';
import { PROFILES, type ResolvedProfile } from '../scenarios/profiles.ts';
import type { SessionRefresher } from '../scenarios/sessions/refresh.ts';
import { normalBacklogFor } from '../signals/alerts/rules.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { judgeStep, nextRate, round, type StepObservation } from './capacity-judge.ts';
import { openModelLimits } from './engines/builtin.ts';
import { cronSecretOf, cwdOf, logSourceOf, resolveConfig, resolveCookies, resolveScenario, runDirPath, sessionRefresherFor, type LoadInputs, type LogsInput } from './inputs.ts';
import { finishRecord } from './record-base.ts';
import { sleep } from './sleep.ts';
import { planStress, type StressPlan } from './stress-plan.ts';
import { startSignals, waitForRecovery, withMaxInFlight } from './stress.ts';
import { streamsOf } from './watch.ts';
import { writeRun } from './write-run.ts';

/** The capacity search as a library call: one options object in, the `capacity` record out. */
export interface CapacityInput extends LoadInputs {
  target?: string;
  logs?: LogsInput | null;
  /** The traffic expected (requests per second): the report gives the headroom against it. */
  expect?: number;
  /** Overrides of config `capacity.*` (rates per second, durations in ms). */
  startRate?: number;
  maxRate?: number;
  stepFactor?: number;
  holdMs?: number;
  precision?: number;
  maxDurationMs?: number;
  maxInFlight?: number;
}

interface Search {
  startRate: number;
  maxRate: number;
  stepFactor: number;
  holdMs: number;
  precision: number;
  maxDurationMs: number;
  maxErrorRate: number;
  maxInFlight: number;
  workers: number;
}

/**
 * Finds the highest arrival rate the app sustains: raises the rate in held steps until a
 * signal breaks (a threshold, a runbook alert, the queue not draining, requests piling up,
 * the error rate), then bisects to the knee. A step the generator itself could not keep up
 * with ends the search as `invalid`: the harness's limit is never reported as the app's.
 */
export async function runCapacity(input: CapacityInput): Promise<CapacityRecord> {
  const cwd = cwdOf(input);
  const env = input.env ?? process.env;
  const config = withMaxInFlight(await resolveConfig(input), input.maxInFlight);
  const search = searchOf(config, input);
  const target = input.target ?? config.target;
  if (!target) throw new UsageError('drill capacity: --target is required (or set target in drill.config); e.g. --target http://127.0.0.1:3999');
  if (input.expect !== undefined && !(input.expect > 0)) throw new UsageError(`drill capacity --expect: ${input.expect} is not a rate above 0; e.g. --expect 150/s`);
  const scenario = await resolveScenario(cwd, input.scenario, config);
  const thresholds = { ...config.capacity.thresholds };
  for (const [key, list] of Object.entries(config.thresholds)) thresholds[key] = [...(thresholds[key] ?? []), ...list];
  // The search as one open-model plan: the same target rules, caps and thresholds as drill stress.
  const profile: ResolvedProfile = {
    ...PROFILES.breakpoint,
    model: 'open',
    stages: [{ durationMs: search.maxDurationMs, target: search.maxRate }],
    thinkTime: { distribution: 'constant', mean: 0, min: 0 },
    thresholds,
    peakUsers: 0,
    peakRate: search.maxRate,
    durationMs: search.maxDurationMs,
  };
  const cookies = await resolveCookies(cwd, input.cookies, config, env);
  const plan = planStress({
    config, target: target.replace(/\/+$/, ''), engine: 'drill', profile, scenario, cookies, cronSecret: cronSecretOf(input.cronSecret, env) ?? null,
    allowTargets: input.allowTargets, workers: input.workers, readOnly: input.readOnly, allowWrites: input.allowWrites,
  });
  const sessions = sessionRefresherFor(cookies, input.cookies !== undefined || config.stress.cookies !== undefined, config, env);
  const logs = logSourceOf(cwd, input.logs);
  return writeRun('capacity', runDirPath(input, config, 'capacity'), env, (runDir) =>
    capacityRun({ config, plan, search: { ...search, workers: plan.workers }, expect: input.expect ?? null, logs, runDir, sessions, signal: input.signal ?? new AbortController().signal, onProgress: input.onProgress }),
  );
}

function searchOf(config: DrillConfig, input: CapacityInput): Omit<Search, 'workers'> {
  const c = config.capacity;
  const s = {
    startRate: input.startRate ?? c.startRate,
    maxRate: Math.min(input.maxRate ?? c.maxRate, config.limits.maxRatePerSecond),
    stepFactor: input.stepFactor ?? c.stepFactor,
    holdMs: input.holdMs ?? c.hold,
    precision: input.precision ?? c.precision,
    maxDurationMs: input.maxDurationMs ?? c.maxDuration,
    maxErrorRate: c.maxErrorRate,
    maxInFlight: config.stress.maxInFlight,
  };
  const bad = (flag: string, why: string) => new UsageError(`drill capacity ${flag}: ${why}`);
  if (!(s.startRate > 0)) throw bad('--start-rate', 'must be above 0 requests/s');
  if (s.startRate > s.maxRate) throw bad('--start-rate', `${s.startRate}/s is above the highest rate the search may ask for (${s.maxRate}/s, capacity.maxRate and limits.maxRatePerSecond); lower it or raise those`);
  if (!(s.stepFactor > 1)) throw bad('--step-factor', 'must be above 1 (1.5 raises each step by half)');
  if (!(s.holdMs >= 1000)) throw bad('--hold', 'must be at least 1s: a step needs time for its signals to show');
  if (!(s.precision > 0 && s.precision <= 1)) throw bad('--precision', 'must be above 0 and at most 1 (0.05: within 5 %)');
  if (!(s.maxDurationMs > s.holdMs)) throw bad('--max-duration', `must be longer than one step (--hold ${formatDuration(s.holdMs)})`);
  if (s.maxDurationMs > config.limits.maxDuration) throw bad('--max-duration', `${formatDuration(s.maxDurationMs)} is over the cap of ${formatDuration(config.limits.maxDuration)}; raise limits.maxDuration in drill.config to allow it`);
  return s;
}

interface CapacityRunOptions {
  config: DrillConfig;
  plan: StressPlan;
  search: Search;
  expect: number | null;
  logs: LogSource | null;
  runDir: RunDir;
  sessions: SessionRefresher;
  signal: AbortSignal;
  onProgress?(line: string, live: boolean): void;
}

interface StepRun {
  stats: LoadStats;
  generator: GeneratorMonitor;
  startedAt: number;
}

async function capacityRun(o: CapacityRunOptions): Promise<RecordInputOf<'capacity'>> {
  const now = Date.now;
  const { config, plan, search } = o;
  const progress = o.onProgress ?? (() => {});
  const startedAt = now();
  const session = await startSignals(plan, config, o.runDir, o.logs, progress, now);
  progress(`baseline: sampling health for ${formatDuration(config.stress.baseline)} before load`, false);
  await sleep(config.stress.baseline, o.signal);
  const baseline = session.setBaseline(startedAt, now());
  if (baseline.reason) progress(`baseline: ${baseline.reason}`, false);
  const firingBefore = new Set(session.evaluator.firing());
  const normalBacklog = normalBacklogFor(config, session.evaluator.state.baselineBacklog);

  const intervals = o.runDir.stream('intervals.ndjson');
  const all = new LoadStats(plan.scenario.routes, now());
  const inFlight = new Array<number>(plan.workers).fill(0);
  const totalInFlight = () => inFlight.reduce((a, b) => a + b, 0);
  let step: StepRun | null = null;
  let fatal: string | null = null;
  const engine = new LoadEngine({
    target: plan.target, scenario: plan.scenario, cookies: plan.cookies, cronSecret: plan.cronSecret, workers: plan.workers, timeoutMs: config.stress.timeout,
    ...openModelLimits(search.maxInFlight, 0, plan.workers),
    onBatch: (batch, worker) => {
      const t = now();
      inFlight[worker] = batch.inFlight;
      const auth = all.add(batch, 0, t);
      if (auth > 0) session.evaluator.state.observeAuthFailures(t, auth);
      if (step) {
        step.stats.add(batch, 0, t);
        step.generator.observe(worker, batch.elu, t);
      }
    },
    onFatal: (message) => (fatal ??= message),
  });
  await engine.ready();
  const loadStart = now();
  all.startAt(loadStart);
  session.evaluator.state.observeAuthFailures(loadStart, 0);
  o.sessions.start();
  const deadline = loadStart + search.maxDurationMs;
  const steps: CapacityStep[] = [];
  const state = { low: null as number | null, high: null as number | null, last: null as number | null };
  let limitedBy: NonNullable<CapacityResults['limitedBy']> = 'app';
  let generatorLimit: { rate: number; detail: string } | null = null;
  progress(`capacity: from ${search.startRate}/s, x${search.stepFactor} a step, each held ${formatDuration(search.holdMs)}, then bisecting to within ${Math.round(search.precision * 100)}% (at most ${formatDuration(search.maxDurationMs)})`, false);

  try {
    for (;;) {
      const rate = nextRate(state, search);
      if (rate === null) {
        limitedBy = state.high === null ? 'max-rate' : 'app';
        break;
      }
      if (o.signal.aborted || fatal) {
        limitedBy = 'interrupted';
        break;
      }
      if (now() + search.holdMs > deadline) {
        limitedBy = 'time-cap';
        break;
      }
      const phase = state.high === null ? 'ramp' : 'bisect';
      const run: StepRun = { stats: new LoadStats(plan.scenario.routes, now()), generator: new GeneratorMonitor(), startedAt: now() };
      run.stats.startAt(run.startedAt);
      run.generator.start();
      step = run;
      all.rateNow = rate;
      engine.setRate(rate);
      const inFlightSamples: { tMs: number; n: number }[] = [];
      while (!o.signal.aborted && now() - run.startedAt < search.holdMs) {
        await sleep(250, o.signal);
        inFlightSamples.push({ tMs: now() - run.startedAt, n: totalInFlight() });
        o.sessions.apply(engine);
        for (const interval of all.closeIntervals(now())) intervals.write(interval);
      }
      step = null;
      const endedAt = now();
      const load = run.stats.summary();
      const health = run.generator.finish(load.scheduleLagMs, 0, config.limits);
      const backlog = session.samplesSoFar().filter((s) => s.tMs >= run.startedAt && s.tMs <= endedAt).map((s) => ({ tMs: s.tMs - run.startedAt, n: backlogOf(s) })).filter((p): p is { tMs: number; n: number } => p.n !== null);
      const observation: StepObservation = {
        rate, holdMs: search.holdMs, load, percentileMs: (k, p) => run.stats.percentileMs(k, p), inFlight: inFlightSamples, backlog, normalBacklog,
        firing: session.evaluator.firing().filter((id) => !firingBefore.has(id)),
        generator: { scheduleLagP99Ms: load.scheduleLagMs?.p99 ?? null, peakWorkerUtilization: health.peakWorkerUtilization },
      };
      const verdict = judgeStep(observation, plan.thresholds, { ...config.limits, maxErrorRate: search.maxErrorRate, minRequests: Math.min(config.stress.minRequests, Math.max(1, Math.floor((rate * search.holdMs) / 2000))) });
      const latency = load.overall.latencyMs;
      steps.push({
        index: steps.length, phase, rate: round(rate), startedAt: new Date(run.startedAt).toISOString(), durationMs: endedAt - run.startedAt,
        requests: load.overall.requests, achievedRate: Math.round((load.overall.requests / Math.max(1, endedAt - run.startedAt)) * 1000 * 10) / 10,
        dropped: load.dropped, errorRate: load.overall.errorRate, latencyMs: latency ? { p50: latency.p50, p95: latency.p95, p99: latency.p99 } : null,
        backlog: backlog.length ? { start: backlog[0]!.n, end: backlog.at(-1)!.n } : null,
        inFlight: { start: inFlightSamples[0]?.n ?? 0, end: inFlightSamples.at(-1)?.n ?? 0, max: Math.max(0, ...inFlightSamples.map((p) => p.n)) },
        scheduleLagP99Ms: load.scheduleLagMs?.p99 ?? null, sustainable: verdict.sustainable, broke: verdict.broke,
      });
      progress(`step ${steps.length} (${phase}) ${round(rate)}/s: ${verdict.sustainable ? 'sustained' : `broke: ${verdict.broke.map((b) => b.signal).join(', ')}`}, p95 ${latency ? `${Math.round(latency.p95)}ms` : '-'}, errors ${(load.overall.errorRate * 100).toFixed(1)}%`, false);
      if (o.signal.aborted) {
        limitedBy = 'interrupted';
        break;
      }
      if (verdict.generatorLimited) {
        limitedBy = 'generator';
        generatorLimit = { rate: round(rate), detail: verdict.broke.map((b) => b.detail).join('; ') };
        break;
      }
      state.last = rate;
      if (verdict.sustainable) state.low = Math.max(state.low ?? 0, rate);
      else {
        state.high = Math.min(state.high ?? Number.POSITIVE_INFINITY, rate);
        // Let the overload drain before the next (lower) step, so its backlog is not judged there.
        await drain(engine, totalInFlight, session, normalBacklog, config, o.signal, now);
      }
    }
  } finally {
    o.sessions.stop();
    engine.setRate(0);
    await engine.stop();
  }
  for (const interval of all.closeIntervals(Number.POSITIVE_INFINITY)) intervals.write(interval);
  const loadEndedAt = now();
  const recovery = !o.signal.aborted ? await waitForRecovery(session, config, loadEndedAt, o.signal, now, progress) : null;
  await session.stop();
  return capacityRecordOf({ o, session, steps, state, limitedBy, generatorLimit, fatal, recovery, startedAt, loadStart, loadEndedAt, all, endedAt: now() });
}

/** Rate 0 until the requests in flight have ended and the job backlog is back to normal (bounded). */
async function drain(engine: LoadEngine, inFlight: () => number, session: SignalSession, normal: number, config: DrillConfig, signal: AbortSignal, now: () => number): Promise<void> {
  engine.setRate(0);
  const until = now() + Math.min(config.stress.recoveryTimeout, config.stress.timeout + 30_000);
  while (!signal.aborted && now() < until) {
    const backlog = session.latest() ? backlogOf(session.latest()!) : null;
    if (inFlight() === 0 && (backlog === null || backlog <= normal)) break;
    await sleep(250, signal);
  }
  // The batches in flight when the rate fell flush within one flush period.
  await sleep(300, signal);
}

interface Outcome {
  o: CapacityRunOptions;
  session: SignalSession;
  steps: CapacityStep[];
  state: { low: number | null; high: number | null };
  limitedBy: NonNullable<CapacityResults['limitedBy']>;
  generatorLimit: { rate: number; detail: string } | null;
  fatal: string | null;
  recovery: Awaited<ReturnType<typeof waitForRecovery>> | null;
  startedAt: number;
  loadStart: number;
  loadEndedAt: number;
  endedAt: number;
  all: LoadStats;
}

/** The capacity record from what the search saw: the knee, its signals, the headroom, and the checks that judge them. */
function capacityRecordOf(x: Outcome): RecordInputOf<'capacity'> {
  const { o, steps, limitedBy } = x;
  const best = steps.filter((s) => s.sustainable).sort((a, b) => b.rate - a.rate)[0] ?? null;
  const broken = steps.filter((s) => !s.sustainable && s.broke[0]?.signal !== 'generator');
  const first = broken[0] ?? null;
  const lowestBroken = [...broken].sort((a, b) => a.rate - b.rate)[0] ?? null;
  const headroom = o.expect && best ? Math.round((best.rate / o.expect) * 10) / 10 : null;
  const checks: CheckResultInput[] = [];
  const describe = (s: CapacityStep) => `${s.rate}/s (p95 ${s.latencyMs ? `${Math.round(s.latencyMs.p95)} ms` : '-'}, errors ${(s.errorRate * 100).toFixed(2)}%, backlog ${s.backlog?.end ?? 'not seen'})`;
  const firstText = first ? `; first break at ${first.rate}/s: ${first.broke[0]!.signal} (${first.broke[0]!.detail})` : '';
  if (x.fatal) checks.push({ id: 'load.engine', status: 'error', summary: x.fatal, evidence: {} });
  if (limitedBy === 'generator') {
    checks.push({ id: 'capacity.knee', status: 'not_evaluated', summary: `generator-limited at ${x.generatorLimit!.rate}/s before the app broke${best ? ` (the app sustained ${describe(best)} so far)` : ''}`, evidence: { ...x.generatorLimit } });
  } else if (!best && limitedBy !== 'interrupted') {
    checks.push({ id: 'capacity.knee', status: 'fail', summary: `the app sustained no rate tried, down to ${steps.at(-1)?.rate ?? o.search.startRate}/s${firstText}`, evidence: { steps: steps.length } });
  } else if (best) {
    const summary =
      limitedBy === 'max-rate'
        ? `nothing broke up to ${best.rate}/s, the highest rate the search may ask for (capacity.maxRate): sustained ${describe(best)}`
        : limitedBy === 'time-cap'
          ? `time cap (${formatDuration(o.search.maxDurationMs)}) before the knee was narrowed: sustained ${describe(best)}${lowestBroken ? `, broke at ${lowestBroken.rate}/s` : ''}`
          : `highest sustainable ${describe(best)}; the knee lies between ${best.rate}/s and ${lowestBroken?.rate ?? '?'}/s${firstText}`;
    checks.push({ id: 'capacity.knee', status: limitedBy === 'time-cap' ? 'warn' : 'pass', strict: limitedBy !== 'time-cap', summary, evidence: { rate: best.rate, low: best.rate, high: lowestBroken?.rate ?? null, limitedBy } });
  }
  if (o.expect !== null && limitedBy !== 'generator') {
    const ok = best !== null && best.rate >= o.expect;
    checks.push({
      id: 'capacity.headroom',
      status: ok ? 'pass' : 'fail',
      summary: best ? `headroom ${headroom}× over the expected ${o.expect}/s (sustainable ${best.rate}/s)` : `no sustainable rate against the expected ${o.expect}/s`,
      evidence: { expect: o.expect, sustainable: best?.rate ?? null, headroom },
    });
  }
  if (x.recovery) checks.push(x.recovery.check);
  checks.push(...x.session.checks());
  const sessions = o.sessions.summary();
  const load = x.all.summary(true);
  return finishRecord({
    kind: 'capacity',
    target: o.plan.target,
    startedAt: x.startedAt,
    endedAt: x.endedAt,
    config: o.config,
    signal: o.signal,
    checks,
    alerts: x.session.alerts(),
    // The search drives the app until it breaks: an alert that fired is one of its findings
    // (a step's `alert` signal), not a failure of the run.
    judgedAlerts: [],
    invalidReasons: x.generatorLimit
      ? [`generator-limited at ${x.generatorLimit.rate}/s: ${x.generatorLimit.detail}; that is drill's own limit, not the app's (more --workers, a bigger machine, or drill k6 export for a distributed run)`]
      : [],
    streams: { ...streamsOf({ logs: o.logs }), intervals: 'intervals.ndjson' },
    results: {
      search: { ...o.search },
      steps,
      sustainable: best ? { rate: best.rate, p95Ms: best.latencyMs?.p95 ?? null, errorRate: best.errorRate, backlog: best.backlog?.end ?? null } : null,
      firstBreak: first ? { rate: first.rate, signal: first.broke[0]!.signal, detail: first.broke[0]!.detail } : null,
      knee: { low: best?.rate ?? null, high: lowestBroken?.rate ?? null },
      limitedBy,
      expect: o.expect,
      headroom,
      load,
      sessions: { ...sessions, authFailures: load.overall.authFailures },
      engineNotes: o.plan.notes,
      ...x.session.results(),
    },
  });
}
