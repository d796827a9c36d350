import type { DrillConfig } from '../core/config/schema.ts';
import type { Stage } from '../engine/stages.ts';
import { totalDuration } from '../engine/stages.ts';
import type { ThinkTime } from './schema.ts';

export const PROFILE_NAMES = ['smoke', 'launch', 'pricing', 'nightly', 'max'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export type ThresholdEntry = string | { threshold: string; abortOnFail: boolean; delayAbortEval: number };

export interface Profile {
  name: ProfileName;
  description: string;
  /** Users ramp through the stages; each user thinks between requests (0 for `max`: a closed loop flat out). */
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
};

export interface ResolvedProfile extends Profile {
  peakUsers: number;
  durationMs: number;
}

/**
 * The profile with the config's overrides, then `--users` (scales every stage's target
 * so the peak is N) and `--duration` (scales every stage's length so the total is D).
 */
export function resolveProfile(name: ProfileName, config: DrillConfig, flags: { users?: number; durationMs?: number }): ResolvedProfile {
  const base = PROFILES[name];
  const override = config.stress.profiles[name];
  let stages: Stage[] = override?.stages?.map((s) => ({ durationMs: s.duration, target: s.target })) ?? base.stages;
  const peak = Math.max(...stages.map((s) => s.target));
  if (flags.users !== undefined && peak > 0) {
    stages = stages.map((s) => ({ ...s, target: Math.round((s.target * flags.users!) / peak) }));
  }
  if (flags.durationMs !== undefined) {
    const total = totalDuration(stages);
    stages = stages.map((s) => ({ ...s, durationMs: Math.round((s.durationMs * flags.durationMs!) / total) }));
  }
  const thresholds: Record<string, ThresholdEntry[]> = { ...(override?.thresholds ?? base.thresholds) };
  for (const [key, list] of Object.entries(config.thresholds)) thresholds[key] = [...(thresholds[key] ?? []), ...list];
  return {
    ...base,
    stages,
    thinkTime: { ...base.thinkTime, ...(override?.thinkTime ?? {}) },
    thresholds,
    peakUsers: Math.max(...stages.map((s) => s.target)),
    durationMs: totalDuration(stages),
  };
}
