import { execFileSync } from 'node:child_process';
import type { DrillConfig } from '../config/schema.ts';
import { CannotRunError, UsageError } from '../core/errors.ts';
import { formatDuration } from '../core/duration.ts';
import type { IntervalSummary } from '../record/load.ts';
import type { RecoveryResult } from '../record/results.ts';
import type { CheckResultInput, RecordInputOf, StressRecord } from '../record/run-record.ts';
import { RunDir } from '../record/run-dir.ts';
import { resolveProfile, profileNamed, type ProfileName } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { normalBacklogFor } from '../signals/alerts/rules.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { evaluateThresholds } from '../thresholds/evaluate.ts';
import { autocannonEngine, builtinEngine } from './engines/builtin.ts';
import { k6Engine } from './engines/k6.ts';
import type { LoadEngineRunner, LoadPhaseResult } from './engines/phase.ts';
import { cronSecretOf, cwdOf, logSourceOf, resolveConfig, resolveCookies, resolveScenario, runDirPath, sessionRefresherFor, type LoadInputs, type LogsInput } from './inputs.ts';
import type { SessionRefresher, SessionsSummary } from '../scenarios/sessions/refresh.ts';
import { finishRecord } from './record-base.ts';
import { writeRun } from './write-run.ts';
import { sleep } from './sleep.ts';
import { engineNamed, planStress, type EngineName, type StressPlan } from './stress-plan.ts';
import { streamsOf } from './watch.ts';

/** The stress drill as a library call: one options object in, the run's record out. */
export interface StressInput extends LoadInputs {
  /** Base URL of the app (default: config `target`). Non-loopback hosts must be allow-listed. */
  target?: string;
  profile: ProfileName;
  /** Peak users (scales the profile's stages) and total load time (scales their lengths). */
  users?: number;
  /** Peak arrivals per second: the profile's stages as an open model peaking here. */
  rate?: number;
  /** Open model: most requests in flight (default: config stress.maxInFlight); arrivals beyond it are dropped. */
  maxInFlight?: number;
  durationMs?: number;
  engine?: EngineName;
  logs?: LogsInput | null;
  /** For `engine: 'k6'`: the binary (default `k6` on PATH). */
  k6Binary?: string;
}

/**
 * Runs a stress drill: resolves the config, profile, scenario and sessions, plans the load
 * (target rules, caps, thresholds, abort rules: the same for every engine), runs it with the
 * watcher alongside, writes the run directory (run.json, reports, NDJSON streams) and returns
 * the record. Never prints or exits; bad input throws a UsageError (exit 2 in the CLI).
 */
export async function runStress(input: StressInput): Promise<StressRecord> {
  const cwd = cwdOf(input);
  const env = input.env ?? process.env;
  const config = withMaxInFlight(await resolveConfig(input), input.maxInFlight);
  const target = input.target ?? config.target;
  if (!target) throw new UsageError('drill stress: --target is required (or set target in drill.config); e.g. --target http://127.0.0.1:3999');
  const engine = engineNamed(input.engine);
  const profile = resolveProfile(profileNamed('drill stress', input.profile), config, { users: input.users, rate: input.rate, durationMs: input.durationMs });
  const scenario: Scenario = await resolveScenario(cwd, input.scenario, config);
  const cronSecret = cronSecretOf(input.cronSecret, env) ?? null;
  const logs = logSourceOf(cwd, input.logs);
  const cookies = await resolveCookies(cwd, input.cookies, config, env);
  const plan = planStress({ config, target: target.replace(/\/+$/, ''), engine, profile, scenario, cookies, cronSecret, allowTargets: input.allowTargets, workers: input.workers, readOnly: input.readOnly, allowWrites: input.allowWrites });
  const runner = engine === 'k6' ? k6Engine({ binary: requireK6(input.k6Binary, env), env }) : engine === 'autocannon' ? autocannonEngine : builtinEngine;
  const sessions = sessionRefresherFor(cookies, input.cookies !== undefined || config.stress.cookies !== undefined, config, env);
  return writeRun('stress', runDirPath(input, config, 'stress'), env, (runDir) =>
    stressRun({ config, plan, runner, logs, runDir, sessions, signal: input.signal ?? new AbortController().signal, onProgress: input.onProgress }),
  );
}

/** The config with an explicit in-flight cap (a flag or option) over the file's. */
export function withMaxInFlight(config: DrillConfig, maxInFlight: number | undefined): DrillConfig {
  if (maxInFlight === undefined) return config;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new UsageError(`--max-in-flight: ${maxInFlight} is not a whole number of requests above 0; e.g. --max-in-flight 500`);
  return { ...config, stress: { ...config.stress, maxInFlight } };
}

/** k6 must answer `k6 version` before anything is started. */
function requireK6(binary: string | undefined, env: NodeJS.ProcessEnv): string {
  const k6 = binary ?? 'k6';
  try {
    execFileSync(k6, ['version'], { stdio: 'ignore', env });
  } catch {
    throw new CannotRunError(
      'drill stress --engine k6: no k6 binary on PATH; install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use the built-in engine',
      'E_NO_K6',
    );
  }
  return k6;
}

export interface StressRunOptions {
  config: DrillConfig;
  plan: StressPlan;
  runner: LoadEngineRunner;
  logs: LogSource | null;
  runDir: RunDir;
  signal: AbortSignal;
  /** The run's sessions: refreshed before they expire when minted, their expiry read when given. */
  sessions?: SessionRefresher;
  onProgress?(line: string, live: boolean): void;
  now?: () => number;
}

/**
 * One drill on a planned load: health baseline, the load through the engine with the
 * watcher alongside, then recovery (the queue back to normal, or a deadline).
 */
export async function stressRun(options: StressRunOptions): Promise<RecordInputOf<'stress'>> {
  const now = options.now ?? Date.now;
  const { config, plan } = options;
  const progress = options.onProgress ?? (() => {});
  const startedAt = now();
  const session = await startSignals(plan, config, options.runDir, options.logs, progress, now);

  progress(`baseline: sampling health for ${formatDuration(config.stress.baseline)} before load`, false);
  // A live line each second, so a 15 s (or longer) baseline is never a silent terminal.
  const baselineEnds = now() + config.stress.baseline;
  while (!options.signal.aborted && now() < baselineEnds) {
    await sleep(Math.min(1000, baselineEnds - now()), options.signal);
    progress(`baseline ${wholeSeconds(config.stress.baseline - Math.max(0, baselineEnds - now()))}/${formatDuration(config.stress.baseline)}  ${stateLine(session)}`, true);
  }
  const baseline = session.setBaseline(startedAt, now());
  if (baseline.reason) progress(`baseline: ${baseline.reason}`, false);

  let load: LoadPhaseResult | null = null;
  if (!options.signal.aborted) {
    if (plan.engine === 'drill') progress(`load: ${plan.profile.name}, up to ${plan.profile.model === 'open' ? `${plan.profile.peakRate} arrivals/s (open model, at most ${config.stress.maxInFlight} in flight)` : `${plan.profile.peakUsers} users`} for ${formatDuration(plan.profile.durationMs)} on ${plan.workers} worker thread(s)`, false);
    if (plan.engine === 'autocannon') progress(`load: ${plan.profile.name} on autocannon, ${plan.profile.peakUsers} connections for ${formatDuration(plan.profile.durationMs)} (no ramp)`, false);
    options.sessions?.start();
    try {
      load = await options.runner.run({
        plan, config, session, runDir: options.runDir, signal: options.signal, now, progress, sessions: options.sessions ?? null,
        onInterval: (i) => progress(liveLine(i, session), i.elapsedS % 10 !== 0),
      });
    } finally {
      options.sessions?.stop();
    }
    if (load.abortedBy) progress(`load stopped early: ${load.abortedBy}`, false);
  }
  const recovery = load && !options.signal.aborted ? await waitForRecovery(session, config, load.endedAt, options.signal, now, progress) : null;
  await session.stop();

  return stressRecordOf({ config, plan, session, load, recovery, startedAt, endedAt: now(), signal: options.signal, logs: options.logs, sessions: options.sessions?.summary() ?? null });
}

export interface StressOutcome {
  config: DrillConfig;
  plan: StressPlan;
  session: SignalSession;
  load: LoadPhaseResult | null;
  recovery: { check: CheckResultInput; result: RecoveryResult | null } | null;
  startedAt: number;
  endedAt: number;
  signal: AbortSignal;
  logs: LogSource | null;
  sessions?: SessionsSummary | null;
}

/** A stress run's record from what it observed: thresholds, engine checks, sessions, recovery and the watcher. */
export function stressRecordOf(o: StressOutcome): RecordInputOf<'stress'> {
  const { config, plan, session, load, recovery } = o;
  const checks: CheckResultInput[] = [];
  if (load?.load) checks.push(...evaluateThresholds(plan.thresholds, load.load.overall, load.load.routes, load.percentileMs, config.stress.minRequests));
  if (load) {
    if (load.abortedBy) checks.push({ id: 'load.aborted', status: 'fail', summary: load.abortedBy, evidence: {} });
    if (load.fatal) checks.push({ id: 'load.engine', status: 'error', summary: load.fatal, evidence: {} });
    checks.push(...load.checks);
    if (plan.profile.model === 'open' && load.load) checks.push(droppedCheck(plan, load.load.dropped ?? 0, load.load.overall.requests));
    if (load.load && o.sessions) checks.push(authCauseCheck(o.sessions, load.load.overall.authFailures, load.startedAt, load.endedAt));
    const used = Math.min(plan.cookies.length, plan.profile.peakUsers);
    if (plan.profile.model !== 'open') checks.push({
      id: 'sessions.used',
      strict: false,
      status: plan.cookies.length === 0 || used === plan.cookies.length ? 'pass' : 'warn',
      summary: `${plan.profile.peakUsers} users over ${plan.cookies.length} sessions (${used} sessions in use)`,
      evidence: { pool: plan.cookies.length, peakUsers: plan.profile.peakUsers, used },
    });
  }
  if (recovery) checks.push(recovery.check);
  checks.push(...session.checks());
  const { profile } = plan;
  return finishRecord({
    kind: 'stress',
    target: plan.target,
    startedAt: o.startedAt,
    endedAt: o.endedAt,
    config,
    signal: o.signal,
    checks,
    alerts: session.alerts(),
    invalidReasons: load?.generator?.invalidReasons,
    streams: { ...streamsOf(o), intervals: 'intervals.ndjson' },
    results: {
      profile: {
        name: profile.name,
        ...(profile.model === 'open' ? { model: 'open' as const, peakRate: profile.peakRate } : {}),
        stages: profile.stages,
        peakUsers: profile.peakUsers,
        durationMs: profile.durationMs,
        thinkTime: plan.scenario.thinkTime,
      },
      phases: { baselineEndedAt: load ? new Date(load.startedAt).toISOString() : null, loadEndedAt: load ? new Date(load.endedAt).toISOString() : null },
      load: load?.load ?? null,
      generator: load?.generator ?? null,
      engine: plan.engine,
      engineNotes: plan.notes,
      recovery: recovery?.result ?? null,
      ...(o.sessions ? { sessions: { ...o.sessions, authFailures: load?.load?.overall.authFailures ?? 0 } } : {}),
      ...load?.results,
      ...session.results(),
    },
  });
}

/**
 * Open model: arrivals the in-flight cap kept from being sent. They are never silently
 * skipped: with no dropped / dropped_rate threshold to judge them, any drop fails the run
 * (the target answered too slowly for rate x latency to fit under stress.maxInFlight).
 */
export function droppedCheck(plan: StressPlan, dropped: number, requests: number): CheckResultInput {
  const judged = plan.thresholds.some((t) => t.threshold.metric === 'dropped' || t.threshold.metric === 'dropped_rate');
  const intended = requests + dropped;
  const share = intended ? `${((dropped / intended) * 100).toFixed(2)}%` : '0%';
  return {
    id: 'load.dropped',
    strict: !judged,
    status: dropped === 0 ? 'pass' : judged ? 'warn' : 'fail',
    summary: dropped === 0
      ? `every intended arrival was sent (${intended})`
      : `${dropped} of ${intended} intended arrivals dropped (${share}): ${plan.profile.peakRate}/s did not fit under ${'stress.maxInFlight'} in flight${judged ? '; judged by the dropped threshold' : '; add a dropped_rate threshold to accept some, or raise stress.maxInFlight'}`,
    evidence: { dropped, intended, judgedByThreshold: judged },
  };
}

/**
 * Sessions that start to fail, with their cause: an expired pool (read from the cookies'
 * own expiry), a refresh the project refused, or sessions the app refused while valid.
 */
export function authCauseCheck(sessions: SessionsSummary, authFailures: number, loadStartedAt: number, loadEndedAt: number): CheckResultInput {
  const expiredDuring = sessions.earliestExpiry !== null && Date.parse(sessions.earliestExpiry) < loadEndedAt && !sessions.refresh;
  let cause: string | null = null;
  if (authFailures > 0) {
    if (sessions.refreshFailures > 0) cause = `refresh failed ${sessions.refreshFailures} time(s) (${sessions.lastRefreshError})`;
    else if (expiredDuring) {
      const at = Date.parse(sessions.earliestExpiry!);
      cause = `the sessions expired ${at <= loadStartedAt ? 'before the load' : `${formatDuration(at - loadStartedAt)} into the load`} (${sessions.earliestExpiry}); ${sessions.source === 'pool' ? 'a cookie pool is not refreshed: mint one that outlives the run, or use stress.signIn (refreshed)' : 'stress.signIn.refresh is off'}`;
    } else cause = 'the app refused sessions that had not expired (revoked, another project, or the app\'s own auth failing)';
  }
  return {
    id: 'sessions.auth',
    strict: false,
    status: authFailures === 0 ? 'pass' : 'warn',
    summary: authFailures === 0
      ? `no auth failures (${sessions.count} sessions${sessions.refresh ? `, ${sessions.refreshed} refreshes` : ''})`
      : `${authFailures} auth failures: ${cause}`,
    evidence: { authFailures, cause, ...sessions },
  };
}

/** One request with the first session: a pool of expired cookies would make the whole run 401s. */
/**
 * The watcher and alert rules for a load run, started: the plan's notes shown, the target's
 * health probed (preflight), one session checked against the app, then sampling begins.
 */
export async function startSignals(
  plan: StressPlan,
  config: DrillConfig,
  runDir: RunDir,
  logs: LogSource | null,
  progress: (line: string, live: boolean) => void,
  now: () => number,
): Promise<SignalSession> {
  const session = new SignalSession({
    config, target: plan.target, cronSecret: plan.cronSecret ?? undefined, runDir, logs, now,
    onTransition: (id, t) => progress(`alert ${id} ${t.state}: ${t.reason}`, false),
  });
  for (const note of plan.notes) progress(note, false);
  await session.preflight();
  await checkSession(plan, config.stress.timeout);
  await session.start();
  return session;
}

export async function checkSession(plan: StressPlan, timeoutMs: number): Promise<void> {
  const cookie = plan.cookies[0];
  // An API route answers 401 plainly; a page would redirect to sign-in.
  const readable = plan.scenario.routes.filter((r) => r.auth === 'session' && (r.method === 'GET' || r.method === 'HEAD'));
  const route = readable.find((r) => r.path.startsWith('/api/')) ?? readable[0];
  if (!route || !cookie) return;
  const path = route.path.replaceAll('{offset}', '0');
  let status: number;
  try {
    const res = await fetch(`${plan.target}${path}`, { method: route.method, headers: { cookie, ...route.headers }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    await res.body?.cancel();
  } catch (error) {
    throw new CannotRunError(`target ${plan.target} failed the session check on ${route.name} (${(error as Error).message})`, 'E_TARGET_UNREACHABLE');
  }
  if (status === 401 || status === 403 || (status >= 300 && status < 400 && route.path.startsWith('/admin'))) {
    throw new CannotRunError(`the first session cookie is refused on ${route.name} (HTTP ${status}); the pool has expired or belongs to another project: mint a new one`, 'E_SESSIONS_REFUSED');
  }
}

/** After the load: wait for the backlog to fall back to normal, or for the deadline. */
export async function waitForRecovery(
  session: SignalSession,
  config: DrillConfig,
  loadEndedAt: number,
  signal: AbortSignal,
  now: () => number,
  progress: (line: string, live: boolean) => void,
): Promise<{ check: CheckResultInput; result: RecoveryResult | null }> {
  if (!session.samplesSoFar().some((s) => s.queue)) {
    return { check: { id: 'queue.recovery', status: 'skip', summary: 'no queue snapshot: recovery not measured (set CRON_SECRET)', evidence: {} }, result: null };
  }
  const normal = normalBacklogFor(config, session.evaluator.state.baselineBacklog);
  const deadline = loadEndedAt + config.stress.recoveryTimeout;
  const atEnd = session.latest()?.queue;
  const backlogAtLoadEnd = atEnd ? atEnd.pending + atEnd.retrying : null;
  progress(`recovery: waiting up to ${formatDuration(config.stress.recoveryTimeout)} for the backlog to return to ${normal} or less`, false);
  let lastLine = 0;
  const outcome = (recovered: boolean, drainMs: number | null, backlog: number | null): RecoveryResult => ({ recovered, drainMs, normal, backlogAtLoadEnd, backlog });
  while (!signal.aborted && now() < deadline) {
    const sample = session.latest();
    if (sample?.queue && sample.tMs >= loadEndedAt) {
      const backlog = sample.queue.pending + sample.queue.retrying;
      if (backlog <= normal) {
        const result = outcome(true, sample.tMs - loadEndedAt, backlog);
        return {
          check: { id: 'queue.recovery', status: 'pass', summary: `backlog back to ${backlog} (normal up to ${normal}) ${formatDuration(result.drainMs!)} after the load stopped`, evidence: result },
          result,
        };
      }
    }
    if (now() - lastLine >= 1000) {
      lastLine = now();
      const q = session.latest()?.queue;
      progress(`recovery ${wholeSeconds(now() - loadEndedAt)}/${formatDuration(config.stress.recoveryTimeout)}  backlog ${q ? q.pending + q.retrying : '?'} (normal <= ${normal})`, true);
    }
    await sleep(Math.min(config.watch.interval, 1000), signal);
  }
  const last = session.latest()?.queue;
  const result = outcome(false, null, last ? last.pending + last.retrying : null);
  return {
    check: {
      id: 'queue.recovery',
      status: signal.aborted ? 'skip' : 'fail',
      summary: signal.aborted
        ? 'interrupted before the queue recovered'
        : `backlog still ${result.backlog} (normal up to ${normal}) ${formatDuration(config.stress.recoveryTimeout)} after the load stopped`,
      evidence: result,
    },
    result,
  };
}

/**
 * The once-a-second line, laid out to fit 80 columns: load first, then the app's state.
 * `12s 200u 61/s p95 123ms err 0.0% | backlog 12 dl 0 | firing 1: queue_backlog_high`
 */
function liveLine(i: IntervalSummary, session: SignalSession): string {
  const p95 = i.overall.latencyMs ? `${Math.round(i.overall.latencyMs.p95)}ms` : '-';
  return `${i.elapsedS}s ${i.rate !== undefined ? `${Math.round(i.rate)}/s asked${i.overall.dropped ? ` ${i.overall.dropped} dropped` : ''}` : `${i.users}u`} ${i.overall.requests}/s p95 ${p95} err ${(i.overall.errorRate * 100).toFixed(1)}% | ${stateLine(session)}`;
}

const wholeSeconds = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : formatDuration(s * 1000);
};

/** The app's state in a few words: health, backlog, dead-letter, firing alerts (the first named). */
function stateLine(session: SignalSession): string {
  const latest = session.latest();
  const q = latest?.queue;
  const health = !latest ? 'no sample' : latest.error ? 'sample failed' : latest.degraded ? 'DEGRADED' : 'ok';
  const queue = q ? `backlog ${q.pending + q.retrying} dl ${q.dead_letter}` : 'queue ?';
  const firing = session.evaluator.firing();
  return `${health} ${queue} | firing ${firing.length}${firing.length ? `: ${firing[0]}${firing.length > 1 ? ' +' : ''}` : ''}`;
}
