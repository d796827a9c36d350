import os from 'node:os';
import type { DrillConfig } from '../core/config/schema.ts';
import { CannotRunError, UsageError } from '../core/errors.ts';
import { formatDuration } from '../core/duration.ts';
import type { IntervalSummary } from '../engine/stats.ts';
import type { CheckResultInput, RunRecordInput } from '../reports/record.ts';
import type { RunDir } from '../reports/run-dir.ts';
import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { meanThinkTime } from '../scenarios/think-time.ts';
import { normalBacklog } from '../signals/alerts/rules.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import type { ThresholdSpec } from '../thresholds/evaluate.ts';
import { evaluateThresholds } from '../thresholds/evaluate.ts';
import { parseThreshold } from '../thresholds/parse.ts';
import { finishRecord } from './record-base.ts';
import { checkLoadSafety } from './safety.ts';
import { runLoadPhase } from './stress-load.ts';
import { sleep, streamsOf } from './watch.ts';

export interface StressOptions {
  config: DrillConfig;
  target: string;
  profile: ResolvedProfile;
  scenario: Scenario;
  cookies: string[];
  cronSecret?: string;
  logs?: LogSource | null;
  allowTargets?: string[];
  workers?: number;
  engine?: 'drill' | 'autocannon';
  runDir: RunDir;
  signal: AbortSignal;
  /** `live` lines may overwrite each other on a terminal; the others are milestones. */
  onProgress?(line: string, live: boolean): void;
  now?: () => number;
}

/**
 * The stress drill: health baseline, load through the profile's stages with the watcher
 * alongside, then recovery (the queue back to normal, or a deadline). Returns the record.
 */
export async function runStress(options: StressOptions): Promise<RunRecordInput> {
  const now = options.now ?? Date.now;
  const { config, profile, target } = options;
  const progress = options.onProgress ?? (() => {});
  let scenario: Scenario = { ...options.scenario, thinkTime: { ...options.scenario.thinkTime, ...profile.thinkTime } };
  const engineNotes: string[] = [];
  if (options.engine === 'autocannon' && scenario.routes.some((r) => r.method === 'HEAD')) {
    // autocannon's parser waits for a body after a HEAD answer's Content-Length and stalls the connection.
    const kept = scenario.routes.filter((r) => r.method !== 'HEAD');
    if (kept.length === 0) throw new UsageError('--engine autocannon cannot send HEAD requests and the scenario has nothing else; use --engine drill');
    engineNotes.push(`autocannon cannot read HEAD answers: left out ${scenario.routes.length - kept.length} HEAD route(s)`);
    scenario = { ...scenario, routes: kept };
  }
  const thresholds = thresholdSpecs(profile, scenario);
  const meanThink = meanThinkTime(scenario.thinkTime);
  // A paced plan's rate is users / think time. A closed loop (no think time) has no planned
  // rate at all: the target's latency sets it, so its user count is what the caps bound.
  const peakRate = meanThink > 0 ? profile.peakUsers * (1000 / meanThink) : 0;
  checkLoadSafety({ target, peakUsers: profile.peakUsers, peakRatePerSecond: peakRate, durationMs: profile.durationMs, allowTargets: options.allowTargets ?? [] }, config);
  if (options.cookies.length === 0 && scenario.routes.some((r) => r.auth === 'session')) {
    throw new UsageError('drill stress: no sessions; pass --cookies FILE (drill sandbox --write-cookie-pool writes one) or configure stress.signIn');
  }
  const workers = options.workers ?? config.stress.workers ?? Math.max(1, os.cpus().length - 1);
  const engine = options.engine ?? 'drill';
  if (engine === 'autocannon' && meanThink > 0) {
    throw new UsageError(`--engine autocannon runs closed-model ceilings only (no think time, no ramp); profile ${profile.name} paces its users: use --engine drill, or --profile max`);
  }
  const startedAt = now();
  const session = new SignalSession({
    config,
    target,
    cronSecret: options.cronSecret,
    runDir: options.runDir,
    logs: options.logs,
    now,
    onTransition: (id, t) => progress(`alert ${id} ${t.state}: ${t.reason}`, false),
  });
  for (const note of engineNotes) progress(note, false);
  await session.preflight();
  await checkSession(target, scenario, options.cookies[0] ?? null, config.stress.timeout);
  await session.start();

  progress(`baseline: sampling health for ${formatDuration(config.stress.baseline)} before load`, false);
  await sleep(config.stress.baseline, options.signal);
  session.setBaseline(startedAt, now());

  let load: Awaited<ReturnType<typeof runLoadPhase>> | null = null;
  if (!options.signal.aborted) {
    progress(
      engine === 'autocannon'
        ? `load: ${profile.name} on autocannon, ${profile.peakUsers} connections for ${formatDuration(profile.durationMs)} (no ramp)`
        : `load: ${profile.name}, up to ${profile.peakUsers} users for ${formatDuration(profile.durationMs)} on ${workers} worker thread(s)`,
      false,
    );
    load = await runLoadPhase({
      config, target, profile, scenario, cookies: options.cookies, cronSecret: options.cronSecret ?? null, workers, engine, thresholds,
      session, runDir: options.runDir, signal: options.signal, now,
      onInterval: (i) => progress(liveLine(i, session), i.elapsedS % 10 === 0 ? false : true),
    });
    if (load.abortedBy) progress(`load stopped early: ${load.abortedBy}`, false);
  }
  const recovery = load && !options.signal.aborted ? await waitForRecovery(session, config, load.endedAt, options.signal, now, progress) : null;
  await session.stop();

  const endedAt = now();
  const summary = load?.stats.summary() ?? null;
  const generator = load ? load.generator.finish(summary!.scheduleLagMs, summary!.dropped, config.limits) : null;
  const checks: CheckResultInput[] = [];
  if (load && summary) {
    checks.push(...evaluateThresholds(thresholds, summary.overall, summary.routes, (k, p) => load!.stats.percentileMs(k, p)));
    if (load.abortedBy) checks.push({ id: 'load.aborted', status: 'fail', summary: load.abortedBy, evidence: {} });
    if (load.fatal) checks.push({ id: 'load.engine', status: 'error', summary: load.fatal, evidence: {} });
    const used = Math.min(options.cookies.length, profile.peakUsers);
    checks.push({
      id: 'sessions.used',
      strict: false,
      status: options.cookies.length === 0 || used === options.cookies.length ? 'pass' : 'warn',
      summary: `${profile.peakUsers} users over ${options.cookies.length} sessions (${used} sessions in use)`,
      evidence: { pool: options.cookies.length, peakUsers: profile.peakUsers, used },
    });
  }
  if (recovery) checks.push(recovery);
  checks.push(...session.checks());
  return finishRecord({
    kind: 'stress',
    target,
    startedAt,
    endedAt,
    config,
    signal: options.signal,
    checks,
    alerts: session.alerts(),
    invalidReasons: generator?.invalidReasons,
    streams: { ...streamsOf(options), intervals: 'intervals.ndjson' },
    results: {
      profile: { name: profile.name, stages: profile.stages, peakUsers: profile.peakUsers, durationMs: profile.durationMs, thinkTime: scenario.thinkTime },
      phases: { baselineEndedAt: load ? new Date(load.startedAt).toISOString() : null, loadEndedAt: load ? new Date(load.endedAt).toISOString() : null },
      load: summary,
      generator,
      workers,
      engine,
      engineNotes,
      recovery: recovery?.evidence ?? null,
      ...session.results(),
    },
  });
}

function thresholdSpecs(profile: ResolvedProfile, scenario: Scenario): ThresholdSpec[] {
  const names = new Set(scenario.routes.map((r) => r.name));
  const specs: ThresholdSpec[] = [];
  for (const [key, entries] of Object.entries(profile.thresholds)) {
    if (key !== 'overall' && !names.has(key)) {
      throw new UsageError(`thresholds.${key}: no route has that name; use overall or one of: ${[...names].join(', ')}`);
    }
    for (const entry of entries) {
      const text = typeof entry === 'string' ? entry : entry.threshold;
      specs.push({
        key,
        threshold: parseThreshold(text),
        abortOnFail: typeof entry === 'string' ? false : entry.abortOnFail,
        delayAbortEvalMs: typeof entry === 'string' ? 0 : entry.delayAbortEval,
      });
    }
  }
  return specs;
}

/** One request with the first session: a pool of expired cookies would make the whole run 401s. */
async function checkSession(target: string, scenario: Scenario, cookie: string | null, timeoutMs: number): Promise<void> {
  // An API route answers 401 plainly; a page would redirect to sign-in.
  const readable = scenario.routes.filter((r) => r.auth === 'session' && (r.method === 'GET' || r.method === 'HEAD'));
  const route = readable.find((r) => r.path.startsWith('/api/')) ?? readable[0];
  if (!route || !cookie) return;
  const path = route.path.replaceAll('{offset}', '0');
  let status: number;
  try {
    const res = await fetch(`${target}${path}`, { method: route.method, headers: { cookie, ...route.headers }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    await res.body?.cancel();
  } catch (error) {
    throw new CannotRunError(`target ${target} failed the session check on ${route.name} (${(error as Error).message})`, 'E_TARGET_UNREACHABLE');
  }
  if (status === 401 || status === 403 || (status >= 300 && status < 400 && route.path.startsWith('/admin'))) {
    throw new CannotRunError(`the first session cookie is refused on ${route.name} (HTTP ${status}); the pool has expired or belongs to another project: mint a new one`, 'E_SESSIONS_REFUSED');
  }
}

/** After the load: wait for the backlog to fall back to normal, or for the deadline. */
async function waitForRecovery(
  session: SignalSession,
  config: DrillConfig,
  loadEndedAt: number,
  signal: AbortSignal,
  now: () => number,
  progress: (line: string, live: boolean) => void,
): Promise<CheckResultInput> {
  if (!session.samplesSoFar().some((s) => s.queue)) {
    return { id: 'queue.recovery', status: 'skip', summary: 'no queue snapshot: recovery not measured (set CRON_SECRET)', evidence: {} };
  }
  const normal = normalBacklog(session.evaluator.state.baselineBacklog, config.alerts.queue_backlog_high?.threshold ?? null, config.validate.normalBacklog);
  const deadline = loadEndedAt + config.stress.recoveryTimeout;
  const atEnd = session.latest()?.queue;
  const backlogAtLoadEnd = atEnd ? atEnd.pending + atEnd.retrying : null;
  progress(`recovery: waiting up to ${formatDuration(config.stress.recoveryTimeout)} for the backlog to return to ${normal} or less`, false);
  while (!signal.aborted && now() < deadline) {
    const sample = session.latest();
    if (sample?.queue && sample.tMs >= loadEndedAt) {
      const backlog = sample.queue.pending + sample.queue.retrying;
      if (backlog <= normal) {
        const drainMs = sample.tMs - loadEndedAt;
        return {
          id: 'queue.recovery',
          status: 'pass',
          summary: `backlog back to ${backlog} (normal up to ${normal}) ${formatDuration(drainMs)} after the load stopped`,
          evidence: { recovered: true, drainMs, normal, backlogAtLoadEnd, backlog },
        };
      }
    }
    await sleep(Math.min(config.watch.interval, 1000), signal);
  }
  const last = session.latest()?.queue;
  const backlog = last ? last.pending + last.retrying : null;
  return {
    id: 'queue.recovery',
    status: signal.aborted ? 'skip' : 'fail',
    summary: signal.aborted
      ? 'interrupted before the queue recovered'
      : `backlog still ${backlog} (normal up to ${normal}) ${formatDuration(config.stress.recoveryTimeout)} after the load stopped`,
    evidence: { recovered: false, drainMs: null, normal, backlogAtLoadEnd, backlog },
  };
}

function liveLine(i: IntervalSummary, session: SignalSession): string {
  const q = session.latest()?.queue;
  const p95 = i.overall.latencyMs ? `${Math.round(i.overall.latencyMs.p95)}ms` : '-';
  const queue = q ? `backlog ${q.pending + q.retrying} dead_letter ${q.dead_letter}` : 'queue unknown';
  const firing = session.evaluator.firing();
  return `${i.elapsedS}s users ${i.users} req/s ${i.overall.requests} p95 ${p95} errors ${(i.overall.errorRate * 100).toFixed(1)}% ${queue} firing: ${firing.join(', ') || 'none'}`;
}
