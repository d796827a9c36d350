import { normalQuantile } from './distributions.ts';
import type { Effect } from './latency.ts';

/**
 * Tolerance is practical significance; confidence is statistical. With the effect oriented
 * so that larger is worse:
 * - fail: the whole interval lies beyond the tolerance (a regression larger than allowed);
 * - pass: the whole interval lies within it (any regression is smaller than allowed);
 * - inconclusive: the interval straddles the tolerance. The data cannot tell.
 *
 * A gate makes many checks, and the two claims need different intervals. "Some check
 * regressed" is a union of claims, so each fail is judged on the interval corrected for the
 * number of checks (`effect`, e.g. Bonferroni): an A/A gate then fails with probability at
 * most 1 − confidence in all. "No check regressed" is an intersection: the gate passes only
 * if every check passes, and by the intersection-union principle (Berger 1982) each check
 * judged at the plain level keeps the gate's wrong-pass rate within that level. So a pass
 * is judged on the uncorrected interval (`passEffect`). Correcting both ways would make
 * every thin route inconclusive without protecting anything.
 */
export type Decision = 'pass' | 'fail' | 'inconclusive';

export interface Judged {
  decision: Decision;
  /** The smallest regression (same units as the effect) this data would flag with 80 % power. */
  detectable: number;
  /** For an inconclusive check: about how many times longer a run would need to be to decide. */
  lengthFactor: number | null;
}

const POWER = 0.8;

export function judge(effect: Effect, tolerance: number, confidence: number, passEffect: Effect = effect): Judged {
  const decision: Decision = effect.low > tolerance ? 'fail' : passEffect.high <= tolerance ? 'pass' : 'inconclusive';
  const z = normalQuantile((1 + confidence) / 2);
  // The interval's half-width is z·SE; detecting δ with 80 % power needs δ − tol ≥ (z + z_0.8)·SE.
  const detectable = tolerance + effect.halfWidth * (1 + normalQuantile(POWER) / z);
  let lengthFactor: number | null = null;
  if (decision === 'inconclusive') {
    // The half-width shrinks as 1/sqrt(run length): the interval that would decide (the pass
    // interval below the tolerance, the fail interval above it) must fit in the gap.
    const gap = Math.abs(effect.estimate - tolerance);
    const half = effect.estimate < tolerance ? passEffect.halfWidth : effect.halfWidth;
    lengthFactor = gap > 0 ? Math.min(100, Math.max(1.1, (half / gap) ** 2)) : 100;
  }
  return { decision, detectable, lengthFactor };
}
