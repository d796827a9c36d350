import { UsageError } from '../core/errors.ts';
import type { DrillConfig } from '../config/schema.ts';
import type { Stage } from './stages.ts';
import { totalDuration } from './stages.ts';
import type { ThresholdEntry } from '../thresholds/specs.ts';
import type { ThinkTime } from './schema.ts';

export type { ThresholdEntry };

export const PROFILE_NAMES = ['smoke', 'launch', 'pricing', 'nightly', 'max', 'soak', 'spike', 'breakpoint'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * `closed`: stage targets are users, each waiting for its answer and thinking (the way
 * admins use the app; it sends less when the app slows). `open`: stage targets are arrivals
 * per second, sent whatever the answers do (visitors from a campaign), so overload shows.
 */
export type LoadModel = 'closed' | 'open';

export interface Profile {
  name: ProfileName;
  description: string;
  /** When to choose it (docs/runbook-pre-launch.md lists them all). */
  use?: string;
  /** How stage targets read: users (closed, the default) or requests per second (open). */
  model?: LoadModel;
  /** Users (or arrivals per second) ramp through the stages; each user thinks between requests (0 for `max`: a closed loop flat out). */
  stages: Stage[];
  thinkTime: Partial<ThinkTime>;
  thresholds: Record<string, ThresholdEntry[]>;
}

const S = 1000;
const M = 60 * S;

/**
 * CE Pro documents no user counts, ramps or thresholds; these are the reference choice.
 * `launch` is the documented question, a realistic jump toward 1,000 admin users: with a
 * 5 s mean think time that is about 200 requests per second at the peak.
 */
export const PROFILES: Record<ProfileName, Profile> = {
  smoke: {
    name: 'smoke',
    description: 'A short check with a few users, for CI and before any bigger run',
    stages: [{ durationMs: 5 * S, target: 10 }, { durationMs: 20 * S, target: 10 }, { durationMs: 5 * S, target: 0 }],
    thinkTime: { mean: 1 * S, min: 100 },
    thresholds: { overall: ['p(95)<1000', 'error_rate<1%'] },
  },
  launch: {
    name: 'launch',
    description: 'Ramp toward 1,000 admin users, hold, ramp down',
    stages: [{ durationMs: 5 * M, target: 1000 }, { durationMs: 10 * M, target: 1000 }, { durationMs: 2 * M, target: 0 }],
    thinkTime: { mean: 5 * S, min: 500 },
    thresholds: { overall: ['p(95)<800', 'p(99)<2000', 'error_rate<1%'] },
  },
  pricing: {
    name: 'pricing',
    description: 'The release-gate load: steady, repeatable, compared against a baseline',
    stages: [{ durationMs: 1 * M, target: 200 }, { durationMs: 5 * M, target: 200 }, { durationMs: 30 * S, target: 0 }],
    thinkTime: { mean: 3 * S, min: 200 },
    thresholds: { overall: ['p(95)<800', 'error_rate<1%'] },
  },
  nightly: {
    name: 'nightly',
    description: 'The unattended CI load: moderate and long enough to see the queue',
    stages: [{ durationMs: 2 * M, target: 300 }, { durationMs: 10 * M, target: 300 }, { durationMs: 1 * M, target: 0 }],
    thinkTime: { mean: 3 * S, min: 200 },
    thresholds: { overall: ['p(95)<800', 'p(99)<2000', 'error_rate<1%'] },
  },
  max: {
    name: 'max',
    description: 'Closed-model ceiling: users send back to back with no think time',
    stages: [{ durationMs: 10 * S, target: 100 }, { durationMs: 50 * S, target: 100 }],
    thinkTime: { distribution: 'constant', mean: 0, min: 0 },
    thresholds: { overall: ['error_rate<1%'] },
  },
  soak: {
    name: 'soak',
    description: 'Long and steady: leaks, slow queue growth, token expiry, connection churn',
    use: 'Before a launch, after the launch profile passes: an ordinary day\'s load held for hours (sessions are refreshed as they expire)',
    stages: [{ durationMs: 5 * M, target: 300 }, { durationMs: 110 * M, target: 300 }, { durationMs: 5 * M, target: 0 }],
    thinkTime: { mean: 3 * S, min: 200 },
    thresholds: { overall: ['p(95)<800', 'p(99)<2000', 'error_rate<1%'] },
  },
  spike: {
    name: 'spike',
    description: 'A sudden jump of arrivals (a campaign email landing), then back down; recovery judged',
    use: 'Before a campaign send or a marketing push: does the app ride a burst, and does the queue drain after it',
    model: 'open',
    // Open model: a burst arrives at its own rate however the app answers; after it the
    // queue.recovery check judges the drain back to normal.
    stages: [
      { durationMs: 30 * S, target: 20 },
      { durationMs: 1 * M, target: 20 },
      { durationMs: 10 * S, target: 200 },
      { durationMs: 2 * M, target: 200 },
      { durationMs: 10 * S, target: 20 },
      { durationMs: 2 * M, target: 20 },
    ],
    thinkTime: { distribution: 'constant', mean: 0, min: 0 },
    thresholds: { overall: ['p(95)<1500', 'error_rate<2%', 'dropped_rate<1%'] },
  },
  breakpoint: {
    name: 'breakpoint',
    description: 'Arrivals ramp up until something breaks; drill capacity finds the knee by itself',
    use: 'To see where the app gives way under a slow ramp; for the number itself, run drill capacity (it steps, judges each step and bisects)',
    model: 'open',
    stages: [{ durationMs: 10 * M, target: 1000 }],
    thinkTime: { distribution: 'constant', mean: 0, min: 0 },
    // k6's breakpoint guide: abort on the threshold by hand; here the threshold does it.
    thresholds: { overall: [{ threshold: 'p(95)<800', abortOnFail: true, delayAbortEval: 10 * S }, { threshold: 'error_rate<1%', abortOnFail: true, delayAbortEval: 10 * S }, 'dropped_rate<1%'] },
  },
};

export interface ResolvedProfile extends Profile {
  model: LoadModel;
  /** Closed model: the most users. Open model: 0 (no users; see peakRate). */
  peakUsers: number;
  /** Open model: the highest arrival rate, requests per second; 0 for a closed model. */
  peakRate: number;
  durationMs: number;
}

/**
 * The profile with the config's overrides, then `--users` (scales every stage's target
 * so the peak is N), `--rate` (the same stages as arrivals per second, peaking at N: any
 * profile becomes an open model) and `--duration` (scales every stage's length so the
 * total is D).
 */
export function resolveProfile(name: ProfileName, config: DrillConfig, flags: { users?: number; rate?: number; durationMs?: number }): ResolvedProfile {
  const base = PROFILES[name];
  const override = config.stress.profiles[name];
  let model: LoadModel = base.model ?? 'closed';
  let stages: Stage[] = base.stages;
  if (override?.stages) {
    const open = override.stages.filter((s) => 'rate' in s).length;
    if (open > 0 && open < override.stages.length) {
      throw new UsageError(`stress.profiles.${name}.stages: give every stage a target (users) or every stage a rate (requests/s), not a mix`);
    }
    model = open > 0 ? 'open' : 'closed';
    stages = override.stages.map((s) => ({ durationMs: s.duration, target: 'rate' in s ? s.rate : s.target }));
  }
  const peak = Math.max(...stages.map((s) => s.target));
  if (flags.users !== undefined && flags.rate !== undefined) throw new UsageError('--users and --rate: give one; --users paces users (closed model), --rate sends arrivals per second (open model)');
  if (flags.users !== undefined && model === 'open') {
    throw new UsageError(`--users: profile ${name} is an open model (arrivals per second); use --rate N to scale it`);
  }
  if (flags.users !== undefined && peak > 0) {
    stages = stages.map((s) => ({ ...s, target: Math.round((s.target * flags.users!) / peak) }));
  }
  if (flags.rate !== undefined) {
    model = 'open';
    // Rates keep two decimals: a 0.5/s trickle is a real open-model load.
    stages = peak > 0 ? stages.map((s) => ({ ...s, target: Math.round(((s.target * flags.rate!) / peak) * 100) / 100 })) : stages.map((s) => ({ ...s, target: flags.rate! }));
  }
  if (flags.durationMs !== undefined) {
    const total = totalDuration(stages);
    stages = stages.map((s) => ({ ...s, durationMs: Math.round((s.durationMs * flags.durationMs!) / total) }));
  }
  const thresholds: Record<string, ThresholdEntry[]> = { ...(override?.thresholds ?? base.thresholds) };
  for (const [key, list] of Object.entries(config.thresholds)) thresholds[key] = [...(thresholds[key] ?? []), ...list];
  const top = Math.max(...stages.map((s) => s.target));
  return {
    ...base,
    model,
    stages,
    // An open model's arrivals do not think: each is one request.
    thinkTime: model === 'open' ? { distribution: 'constant', mean: 0, min: 0 } : { ...base.thinkTime, ...(override?.thinkTime ?? {}) },
    thresholds,
    peakUsers: model === 'open' ? 0 : top,
    peakRate: model === 'open' ? top : 0,
    durationMs: totalDuration(stages),
  };
}

/** A profile name from a flag or option, or a usage error listing the names. */
export function profileNamed(where: string, name: string | undefined): ProfileName {
  if (!name) throw new UsageError(`${where}: --profile is required; one of ${PROFILE_NAMES.join(', ')}`);
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) throw new UsageError(`${where} --profile: "${name}" is not a profile; use ${PROFILE_NAMES.join(', ')}`);
  return name as ProfileName;
}
