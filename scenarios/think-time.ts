import type { ThinkTime } from './schema.ts';

/**
 * A user's pause between requests, in ms. Exponential pauses make each user a Poisson
 * source, so N users give a steady aggregate rate of about N / mean rather than waves;
 * min and max clip the tails (no 0 ms double-clicks, no 5-minute naps).
 */
export function thinkTimeSampler(spec: ThinkTime, random: () => number = Math.random): () => number {
  const clip = (ms: number) => Math.min(spec.max, Math.max(spec.min, ms));
  switch (spec.distribution) {
    case 'constant':
      return () => spec.mean;
    case 'uniform':
      return () => spec.min + random() * (spec.max - spec.min);
    default:
      return () => clip(-Math.log(1 - random()) * spec.mean);
  }
}

/** The long-run average pause after clipping, for rate estimates and safety caps. */
export function meanThinkTime(spec: ThinkTime): number {
  if (spec.distribution === 'constant') return spec.mean;
  if (spec.distribution === 'uniform') return (spec.min + spec.max) / 2;
  // E[clip(X, a, b)] for X ~ Exp(mean): a + mean * (e^(-a/mean) - e^(-b/mean)).
  const { mean, min, max } = spec;
  if (mean <= 0) return min;
  return min + mean * (Math.exp(-min / mean) - Math.exp(-max / mean));
}

/**
 * A small seeded generator (mulberry32): two users built from one seed draw the same
 * sequence. Live A/B twins use it, so the control and the candidate get the very same
 * schedule (pauses, routes, pages): common random numbers, the pairing that lets a
 * difference between the arms be the deployments', not the dice's.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
