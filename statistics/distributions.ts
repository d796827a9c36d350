import jstatModule from 'jstat';

/**
 * The probability distributions the gate and the trend finder use, from jStat rather than
 * written here: the normal and Student's t quantiles and CDFs.
 */
const { jStat } = jstatModule;

/** z such that P(Z <= z) = p for a standard normal Z. */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

export function normalCdf(x: number): number {
  return jStat.normal.cdf(x, 0, 1);
}

/** t such that P(T <= t) = p for Student's t with `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  return jStat.studentt.inv(p, df);
}

export function studentTCdf(x: number, df: number): number {
  return jStat.studentt.cdf(x, df);
}
