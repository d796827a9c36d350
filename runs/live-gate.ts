import path from 'node:path';
import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import type { GateRecord, StressRecord } from '../record/run-record.ts';
import { RunDir } from '../record/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
import { profileNamed, resolveProfile, type ProfileName } from '../scenarios/profiles.ts';
import { SignalSession, type LogSource } from '../signals/session.ts';
import { runAbLoad, type Arm } from './engines/ab.ts';
import { gateRun } from './gate.ts';
import { cronSecretOf, cwdOf, resolveConfig, resolveCookies, resolveScenario, runDirPath, type LoadInputs } from './inputs.ts';
import { sleep } from './sleep.ts';
import { checkSession, stressRecordOf, waitForRecovery } from './stress.ts';
import { planStress } from './stress-plan.ts';
import { writeRun } from './write-run.ts';

/** The live A/B gate as a library call: the current release and the candidate, side by side. */
export interface LiveGateInput extends LoadInputs {
  /** The deployment running the current release (default: config gate.control). */
  control?: string;
  /** The deployment to judge (default: config gate.candidate). */
  candidate?: string;
  /** Default `pricing`: the release-gate load. */
  profile?: ProfileName;
  users?: number;
  durationMs?: number;
  /** One pool for both deployments: they must accept the same sessions (one Supabase project). */
  cookies?: string | readonly string[];
}

/**
 * Loads the control and the candidate in the same window with the same schedule, requests
 * interleaved (runs/engines/ab.ts), with a watcher on each; writes each arm's stress record
 * into `control/` and `candidate/` under the gate's run directory, then judges the
 * candidate against the control with the pairing by time that a concurrent run allows.
 */
export async function liveGate(input: LiveGateInput): Promise<GateRecord> {
  const cwd = cwdOf(input);
  const env = input.env ?? process.env;
  const config = await resolveConfig(input);
  const control = (input.control ?? config.gate.control)?.replace(/\/+$/, '');
  const candidate = (input.candidate ?? config.gate.candidate)?.replace(/\/+$/, '');
  if (!control || !candidate) throw new UsageError('drill gate: a live A/B gate needs both --control URL and --candidate URL (or gate.control and gate.candidate in drill.config)');
  if (control === candidate) throw new UsageError(`drill gate: --control and --candidate are the same deployment (${control}); point them at the current release and the candidate`);
  const profile = resolveProfile(profileNamed('drill gate', input.profile ?? 'pricing'), config, { users: input.users, durationMs: input.durationMs });
  // The twins share one user's schedule; an open model has no users to twin.
  if (profile.model === 'open') throw new UsageError(`drill gate --profile: ${profile.name} is an open model; the live A/B gate paces users, so use a closed profile (pricing, smoke, launch, nightly, soak)`);
  const scenario = await resolveScenario(cwd, input.scenario, config);
  const cookies = await resolveCookies(cwd, input.cookies, config, env);
  const cronSecret = cronSecretOf(input.cronSecret, env) ?? null;
  // Each arm gets the profile's load: the caps and the allow-list apply to both.
  // Planned for each target: the allow-list, the caps and the write rule hold for both arms.
  const planInput = { config, engine: 'drill' as const, profile, scenario, cookies, cronSecret, allowTargets: input.allowTargets, workers: input.workers, readOnly: input.readOnly, allowWrites: input.allowWrites };
  const plan = planStress({ ...planInput, target: control });
  planStress({ ...planInput, target: candidate });
  const gateDir = runDirPath(input, config, 'gate');
  const signal = input.signal ?? new AbortController().signal;
  const progress = input.onProgress ?? (() => {});
  return writeRun('gate', gateDir, env, async () => {
    const records = await abStress({ config, plan, control, candidate, gateDir, signal, progress, env, logs: null });
    return gateRun(records.control, records.candidate, config, { baseline: path.join(gateDir, 'control'), current: path.join(gateDir, 'candidate') }, signal, {
      mode: 'live',
      dirs: { baseline: path.join(gateDir, 'control'), current: path.join(gateDir, 'candidate') },
      control,
      candidate,
    });
  });
}

interface AbOptions {
  config: DrillConfig;
  plan: ReturnType<typeof planStress>;
  control: string;
  candidate: string;
  gateDir: string;
  signal: AbortSignal;
  progress(line: string, live: boolean): void;
  env: NodeJS.ProcessEnv;
  logs: LogSource | null;
}

/** The two arms' stress drills, run as one: health baselines, the A/B load, recovery; two records. */
async function abStress(o: AbOptions): Promise<{ control: StressRecord; candidate: StressRecord }> {
  const { config, plan } = o;
  const now = Date.now;
  const startedAt = now();
  const arms = (['control', 'candidate'] as const).map((name) => {
    const target = name === 'control' ? o.control : o.candidate;
    const runDir = RunDir.create(path.join(o.gateDir, name));
    const session = new SignalSession({
      config, target, cronSecret: plan.cronSecret ?? undefined, runDir, logs: null, now,
      onTransition: (id, t) => o.progress(`${name}: alert ${id} ${t.state}: ${t.reason}`, false),
    });
    return { name, arm: { target, session, runDir } satisfies Arm, plan: { ...plan, target } };
  });
  try {
    for (const a of arms) {
      await a.arm.session.preflight();
      await checkSession(a.plan, config.stress.timeout);
    }
    for (const a of arms) await a.arm.session.start();
    o.progress(`baseline: sampling both deployments' health for ${formatDuration(config.stress.baseline)} before load`, false);
    await sleep(config.stress.baseline, o.signal);
    for (const a of arms) a.arm.session.setBaseline(startedAt, now());
    o.progress(`load: ${plan.profile.name}, up to ${plan.profile.peakUsers} users on each of control ${o.control} and candidate ${o.candidate} for ${formatDuration(plan.profile.durationMs)}, interleaved`, false);
    const loads = o.signal.aborted ? null : await runAbLoad({ plan, config, control: arms[0]!.arm, candidate: arms[1]!.arm, signal: o.signal, now });
    const results = await Promise.all(
      arms.map(async (a) => {
        const load = loads ? loads[a.name] : null;
        const recovery = load && !o.signal.aborted ? await waitForRecovery(a.arm.session, config, load.endedAt, o.signal, now, (line) => o.progress(`${a.name}: ${line}`, false)) : null;
        await a.arm.session.stop();
        const input = stressRecordOf({ config, plan: a.plan, session: a.arm.session, load, recovery, startedAt, endedAt: now(), signal: o.signal, logs: null });
        // The gate's own report is the one a CI summary shows.
        return writeRecord(a.arm.runDir, input, { ...o.env, GITHUB_STEP_SUMMARY: undefined }) as StressRecord;
      }),
    );
    return { control: results[0]!, candidate: results[1]! };
  } catch (error) {
    for (const a of arms) await a.arm.session.stop().catch(() => {});
    throw error;
  } finally {
    for (const a of arms) a.arm.runDir.closeStreams();
  }
}
