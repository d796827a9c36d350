import os from 'node:os';
import type { DrillConfig } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { meanThinkTime } from '../scenarios/think-time.ts';
import type { ThresholdSpec } from '../thresholds/evaluate.ts';
import { resolveThresholdSpecs } from '../thresholds/specs.ts';
import { checkCaps, checkLoadSafety, checkTarget, isLoopback } from './safety.ts';

export const ENGINE_NAMES = ['drill', 'autocannon', 'k6'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/**
 * Everything a load engine is given, decided once before any engine starts: the same
 * target rules, caps, thresholds and abort rules whichever engine sends the requests.
 */
export interface StressPlan {
  target: string;
  engine: EngineName;
  profile: ResolvedProfile;
  /** The scenario as the engine runs it: the profile's think time merged in. */
  scenario: Scenario;
  cookies: string[];
  cronSecret: string | null;
  /** Profile thresholds plus config thresholds, appended, parsed once. */
  thresholds: ThresholdSpec[];
  workers: number;
  /** Things the engine could not do as asked, said in the record. */
  notes: string[];
  peakRatePerSecond: number;
}

export interface PlanInput {
  config: DrillConfig;
  target: string;
  engine: EngineName;
  profile: ResolvedProfile;
  scenario: Scenario;
  cookies: string[];
  cronSecret?: string | null;
  allowTargets?: readonly string[];
  workers?: number;
  /** Leave out every route that writes (POST, PUT, PATCH, DELETE). */
  readOnly?: boolean;
  /** Send write routes to a non-loopback target (they enqueue real jobs there). */
  allowWrites?: boolean;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function engineNamed(name: string | undefined): EngineName {
  const engine = name ?? 'drill';
  if (!(ENGINE_NAMES as readonly string[]).includes(engine)) throw new UsageError(`drill stress --engine: "${engine}" is not an engine here; use ${ENGINE_NAMES.slice(0, -1).join(', ')} or ${ENGINE_NAMES.at(-1)}`);
  return engine as EngineName;
}

export function planStress(input: PlanInput): StressPlan {
  const { config, profile, engine } = input;
  const notes: string[] = [];
  let scenario: Scenario = { ...input.scenario, thinkTime: { ...input.scenario.thinkTime, ...profile.thinkTime } };
  // Route names are checked against the scenario as written, before any engine drops routes.
  const thresholds = resolveThresholdSpecs(profile.thresholds, input.scenario.routes.map((r) => r.name));
  // The host is judged first: a host that may not be loaded at all is the finding.
  checkTarget(input.target, input.allowTargets ?? [], config);
  const writes = scenario.routes.filter((r) => WRITES.has(r.method));
  if (writes.length && (input.readOnly ?? config.stress.readOnly)) {
    const kept = scenario.routes.filter((r) => !WRITES.has(r.method));
    if (kept.length === 0) throw new UsageError('--read-only: every route of the scenario writes; nothing would be left to send');
    notes.push(`read-only: left out ${writes.map((r) => r.name).join(', ')}`);
    scenario = { ...scenario, routes: kept };
  } else if (writes.length && !isLoopback(new URL(input.target).hostname) && !(input.allowWrites ?? config.stress.allowWrites)) {
    // Against a real staging app, a launch drill's campaign sends enqueue thousands of real jobs.
    throw new UsageError(
      `the scenario writes (${writes.map((r) => r.name).join(', ')}) and ${new URL(input.target).hostname} is not loopback: pass --read-only to leave the writes out, or --allow-writes to send them (stress.readOnly / stress.allowWrites)`,
      'E_WRITES_NOT_ALLOWED',
    );
  }
  const meanThink = meanThinkTime(scenario.thinkTime);
  if (engine === 'autocannon' && profile.model === 'open') {
    throw new UsageError(`--engine autocannon runs closed-model ceilings only; profile ${profile.name} is an open model (arrivals per second): use --engine drill or k6`);
  }
  if (engine === 'autocannon') {
    if (meanThink > 0) {
      throw new UsageError(`--engine autocannon runs closed-model ceilings only (no think time, no ramp); profile ${profile.name} paces its users: use --engine drill, or --profile max`);
    }
    if (scenario.routes.some((r) => r.method === 'HEAD')) {
      // autocannon's parser waits for a body after a HEAD answer's Content-Length and stalls the connection.
      const kept = scenario.routes.filter((r) => r.method !== 'HEAD');
      if (kept.length === 0) throw new UsageError('--engine autocannon cannot send HEAD requests and the scenario has nothing else; use --engine drill');
      notes.push(`autocannon cannot read HEAD answers: left out ${scenario.routes.length - kept.length} HEAD route(s)`);
      scenario = { ...scenario, routes: kept };
    }
  }
  // A paced plan's rate is users / think time. A closed loop (no think time) has no planned
  // rate at all: the target's latency sets it, so its user count is what the caps bound.
  const peakRatePerSecond = plannedRate(profile, meanThink);
  checkLoadSafety(
    { target: input.target, peakUsers: profile.peakUsers, peakRatePerSecond, durationMs: profile.durationMs, allowTargets: [...(input.allowTargets ?? [])] },
    config,
  );
  if (input.cookies.length === 0 && scenario.routes.some((r) => r.auth === 'session')) {
    throw new UsageError('drill stress: no sessions; pass --cookies FILE (drill sandbox --write-cookie-pool writes one) or configure stress.signIn');
  }
  const workers = input.workers ?? config.stress.workers ?? Math.max(1, os.cpus().length - 1);
  return { target: input.target, engine, profile, scenario, cookies: input.cookies, cronSecret: input.cronSecret ?? null, thresholds, workers, notes, peakRatePerSecond };
}

/**
 * The same plan for `drill k6 export`, which loads nothing itself: the scenario with the
 * profile's think time, the thresholds parsed once, and the caps (the target comes later).
 */
export function planK6Export(input: Pick<PlanInput, 'config' | 'profile' | 'scenario'>): { scenario: Scenario; thresholds: ThresholdSpec[] } {
  const { config, profile } = input;
  const scenario: Scenario = { ...input.scenario, thinkTime: { ...input.scenario.thinkTime, ...profile.thinkTime } };
  const thresholds = resolveThresholdSpecs(profile.thresholds, input.scenario.routes.map((r) => r.name));
  const meanThink = meanThinkTime(scenario.thinkTime);
  checkCaps({ peakUsers: profile.peakUsers, peakRatePerSecond: plannedRate(profile, meanThink), durationMs: profile.durationMs }, config);
  return { scenario, thresholds };
}

/** An open model's rate is its own; a paced plan's is users / think time (limits.maxRatePerSecond caps both). */
function plannedRate(profile: ResolvedProfile, meanThinkMs: number): number {
  if (profile.model === 'open') return profile.peakRate;
  return meanThinkMs > 0 ? profile.peakUsers * (1000 / meanThinkMs) : 0;
}
