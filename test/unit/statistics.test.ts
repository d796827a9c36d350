import { describe, expect, it } from 'vitest';
import { changePoints, divisive, tTest } from '../../statistics/change-points.ts';
import { judge } from '../../statistics/decide.ts';
import { distOf, quantileMs } from '../../statistics/dist.ts';
import { normalQuantile, studentTQuantile } from '../../statistics/distributions.ts';
import { hodgesLehmann, latencyEffect, quantileRanks } from '../../statistics/latency.ts';
import { proportionDifference, wilson } from '../../statistics/proportions.ts';
import { throughputEffect } from '../../statistics/rates.ts';

const Z95 = normalQuantile(0.975);
const close = (x: number, y: number, digits = 4) => expect(x).toBeCloseTo(y, digits);

describe('distributions from jStat', () => {
  it('match the printed tables: z(0.975) = 1.960, t(0.975; 9) = 2.262, t(0.975; 30) = 2.042', () => {
    close(Z95, 1.95996, 4);
    close(studentTQuantile(0.975, 9), 2.2622, 4);
    close(studentTQuantile(0.975, 30), 2.0423, 4);
  });
});

describe('error rate: Wilson and Newcombe intervals', () => {
  // Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison
  // of seven methods", Stat Med 17:857-872, Table II (method 3, the Wilson score interval).
  it("reproduce Newcombe's single-proportion worked examples", () => {
    const cases: [number, number, number, number][] = [[81, 263, 0.2553, 0.3662], [15, 148, 0.0624, 0.1605], [0, 20, 0, 0.1611]];
    for (const [x, n, low, high] of cases) {
      const w = wilson(x, n, Z95);
      close(w.low, low);
      close(w.high, high);
    }
  });

  // Newcombe RG (1998), "Interval estimation for the difference between independent
  // proportions: comparison of eleven methods", Stat Med 17:873-890, example (a): 56/70
  // against 48/80, method 10 (score, no continuity correction): 0.0524 to 0.3339.
  it("reproduce Newcombe's difference-of-proportions worked example", () => {
    const d = proportionDifference(48, 80, 56, 70, 0.95);
    close(d.estimate, 0.2, 6);
    close(d.low, 0.0524);
    close(d.high, 0.3339);
  });
});

describe('latency effects', () => {
  // Campbell MJ, Gardner MJ (1988), "Calculating confidence intervals for some
  // non-parametric analyses", BMJ 296:1454: for n = 100 the 95 % interval for the median
  // lies between the 40th and the 61st ordered values.
  it('order-statistic ranks for a median match Campbell & Gardner', () => {
    expect(quantileRanks(100, 0.5, Z95)).toEqual({ low: 40, high: 61 });
  });

  it('the Hodges-Lehmann shift is the median pairwise difference of log latency', () => {
    const base = distOf([[1000, 50], [2000, 50]]);
    const cur = distOf([[1200, 50], [2400, 50]]);
    expect(Math.exp(hodgesLehmann(base, cur).estimate)).toBeCloseTo(1.2, 2);
    expect(quantileMs(cur, 0.95)).toBeCloseTo(2.4, 1);
  });

  const lognormal = (n: number, medianUs: number, seed: number): [number, number][] => {
    let s = seed;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    return Array.from({ length: n }, () => {
      const z = Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
      return [medianUs * Math.exp(0.5 * z), 1] as [number, number];
    });
  };

  it('a +30% shift on 4,000 requests is found, with an interval that excludes 0 and covers 30%', () => {
    const base = distOf(lognormal(4000, 5000, 1));
    const cur = distOf(lognormal(4000, 6500, 2));
    const e = latencyEffect('shift', { base, cur, baseBatches: [], curBatches: [], paired: false }, 0.95)!;
    expect(Math.exp(e.low)).toBeGreaterThan(1.25);
    expect(Math.exp(e.high)).toBeLessThan(1.35);
    expect(e.method).toBe('iid');
  });

  it('paired time batches cancel noise both arms share, and widen an interval when the arms disagree batch to batch', () => {
    // Ten batches; batch 4 is three times slower on both arms (a CPU hog hits both alike).
    const batches = (seed: number, scale = 1) => Array.from({ length: 10 }, (_, i) => distOf(lognormal(400, 5000 * scale * (i === 4 ? 3 : 1), seed + i)));
    const base = batches(100);
    const cur = batches(200);
    const merged = (list: ReturnType<typeof batches>) => distOf(list.flatMap((d) => [...d.bins].map((b, i) => [Math.exp(b * Math.log(1.005)), d.counts[i]!] as [number, number])));
    const paired = latencyEffect('p95', { base: merged(base), cur: merged(cur), baseBatches: base, curBatches: cur, paired: true }, 0.95)!;
    expect(paired.low).toBeLessThan(0);
    expect(paired.high).toBeGreaterThan(0);
    expect(Math.exp(paired.high)).toBeLessThan(1.25);
  });

  it('throughput: Poisson interval on the rate ratio', () => {
    const e = throughputEffect({ requests: 10_000, spanMs: 100_000 }, { requests: 10_000, spanMs: 100_000 }, false, 0.95)!;
    close(e.halfWidth, Z95 * Math.sqrt(2 / 10_000), 6);
  });
});

describe('judging an effect against its tolerance', () => {
  const effect = (estimate: number, half: number) => ({ estimate, low: estimate - half, high: estimate + half, halfWidth: half, method: 'iid' as const, batches: 0 });

  it('pass: the whole interval within tolerance', () => {
    expect(judge(effect(0.01, 0.05), 0.1, 0.95)).toMatchObject({ decision: 'pass', lengthFactor: null });
  });

  it('fail: the whole interval beyond tolerance', () => {
    expect(judge(effect(0.3, 0.05), 0.1, 0.95).decision).toBe('fail');
  });

  it('a fail needs the corrected interval beyond tolerance; a pass only the plain one within it', () => {
    // Corrected (many checks) 0.05 ± 0.08 straddles 0.1; the plain 0.05 ± 0.04 lies within it: pass.
    expect(judge(effect(0.05, 0.08), 0.1, 0.999, effect(0.05, 0.04)).decision).toBe('pass');
    // 0.2 ± 0.08 corrected lies beyond 0.1: fail, whatever the plain interval says.
    expect(judge(effect(0.2, 0.08), 0.1, 0.999, effect(0.2, 0.04)).decision).toBe('fail');
    // 0.15 ± 0.08 corrected straddles; the plain interval alone would not make it a fail.
    expect(judge(effect(0.15, 0.08), 0.1, 0.999, effect(0.15, 0.04)).decision).toBe('inconclusive');
  });

  it('inconclusive: the interval straddles the tolerance; it says what the data could detect and how much longer to run', () => {
    const j = judge(effect(0.05, 0.1), 0.1, 0.95);
    expect(j.decision).toBe('inconclusive');
    // (half-width / distance to tolerance)^2 = (0.1 / 0.05)^2.
    close(j.lengthFactor!, 4, 6);
    close(j.detectable, 0.1 + 0.1 * (1 + normalQuantile(0.8) / Z95), 6);
  });
});

describe('change points: E-divisive means as Apache Otava runs it', () => {
  // Otava's own examples: tests/change_point_divisive_test.py and tests/analysis_test.py.
  const SEQUENCE = [0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1, 149.0, 149.7, 149.5, 149.1, 148.8, 150.0];
  const SERIES = [1.02, 0.95, 0.99, 1.0, 1.12, 1.0, 1.01, 0.98, 1.01, 0.96, 0.5, 0.51, 0.48, 0.48, 0.55, 0.5, 0.49, 0.51, 0.5, 0.49];

  it('test_ttest: the detector with the t-test at 0.01 finds [5, 8]', () => {
    expect(divisive(SEQUENCE, 0.01).map((c) => c.index)).toEqual([5, 8]);
  });

  it('test_single_series: window 10, p 0.0001 finds [10]', () => {
    expect(changePoints(SERIES, { windowLength: 10, maxPValue: 0.0001 }).map((c) => c.index)).toEqual([10]);
  });

  it('test_single_series, longer: window 5 finds [10, 23]', () => {
    expect(changePoints([...SERIES, 0.47, 0.48, 0.45, 0.01, 0.1, 0.22, 0.27], { windowLength: 5, maxPValue: 0.0001 }).map((c) => c.index)).toEqual([10, 23]);
  });

  it('test_significance_tester: equal halves p ≈ 1, a 20% drop p < 0.001', () => {
    expect(tTest([1.0, 1.02, 1.05, 0.95, 0.98], [1.0, 1.02, 1.05, 0.95, 0.98]).pValue).toBeGreaterThan(0.99);
    const p = tTest([1.0, 1.02, 1.05, 0.95, 0.98], [0.8, 0.82, 0.85, 0.79, 0.77]).pValue;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.001);
  });

  it('a flat noisy series has no change point', () => {
    const flat = Array.from({ length: 40 }, (_, i) => 100 + ((i * 37) % 11) - 5);
    expect(changePoints(flat)).toEqual([]);
  });
});
