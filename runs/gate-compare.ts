import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DrillConfig } from '../config/schema.ts';
import type { MachineSummary, RouteSummary } from '../record/load.ts';
import type { DistributionView, GateComparison } from '../record/results.ts';
import { loadResultsOf, type CheckResultInput, type RunRecord } from '../record/run-record.ts';
import { readStream } from '../record/streams.ts';
import { batchCount, batchesOf, countBatches } from '../statistics/batches.ts';
import { judge } from '../statistics/decide.ts';
import { boxOf, cdfPoints, decodeHistogram, distFromSummary, mergeDists, quantileMs, type Dist } from '../statistics/dist.ts';
import { latencyEffect, type Effect, type LatencyMetric } from '../statistics/latency.ts';
import { proportionDifference } from '../statistics/proportions.ts';
import { throughputEffect } from '../statistics/rates.ts';

/**
 * The statistical half of the gate: for overall and each route, the latency shift, p95 and
 * p99, the error rate and (overall) throughput of the current run against the baseline,
 * each an estimate with its interval, judged pass / fail / inconclusive against the
 * tolerance (practical significance) at the configured confidence. Distributions come from
 * the records' histograms and, for the time batches, the runs' intervals.ndjson.
 */
export type GateMode = 'stored' | 'live';

export interface Side {
  record: RunRecord;
  /** The run directory, when the record came from one: its intervals give time batches. */
  dir: string | null;
}

interface ScopeData {
  summary: RouteSummary;
  dist: Dist;
  /** Distributions and request counts per second of load, by elapsed second. */
  seconds: (Dist | undefined)[];
  counts: number[];
  fromHistogram: boolean;
}

type Gate = DrillConfig['gate'];

export interface Comparison {
  checks: CheckResultInput[];
  comparisons: GateComparison[];
  distributions: Record<string, { baseline: DistributionView; current: DistributionView }>;
  environment: { baseline: MachineSummary | null; current: MachineSummary | null; changed: boolean; reasons: string[] };
}

const pct = (x: number, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;
const rel = (logRatio: number) => Math.exp(logRatio) - 1;

/** Per scope (overall and each route), the run's distribution and its per-second pieces. */
function scopesOf(side: Side): Map<string, ScopeData> {
  const load = loadResultsOf(side.record)?.load;
  const out = new Map<string, ScopeData>();
  if (!load) return out;
  const intervals = side.dir && existsSync(path.join(side.dir, 'intervals.ndjson')) ? readStream(side.dir, 'intervals').lines : [];
  const seconds = new Map<string, (Dist | undefined)[]>();
  const counts = new Map<string, number[]>();
  for (const interval of intervals) {
    for (const [name, route] of Object.entries(interval.routes)) {
      if (!route.histogram) continue;
      const list = seconds.get(name) ?? [];
      list[interval.elapsedS] = decodeHistogram(route.histogram);
      seconds.set(name, list);
      const c = counts.get(name) ?? [];
      c[interval.elapsedS] = route.requests;
      counts.set(name, c);
    }
  }
  const routeDists: Dist[] = [];
  for (const [name, summary] of Object.entries(load.routes)) {
    const fromHistogram = !!summary.histogram;
    const dist = summary.histogram ? decodeHistogram(summary.histogram) : summary.latencyMs ? distFromSummary(summary.latencyMs, summary.requests) : mergeDists([]);
    routeDists.push(dist);
    out.set(name, { summary, dist, seconds: seconds.get(name) ?? [], counts: fill(counts.get(name) ?? []), fromHistogram });
  }
  const length = Math.max(0, ...[...seconds.values()].map((s) => s.length));
  const overallSeconds: (Dist | undefined)[] = [];
  const overallCounts: number[] = [];
  for (let t = 0; t < length; t += 1) {
    const parts = [...seconds.values()].map((s) => s[t]).filter((d): d is Dist => !!d);
    overallSeconds[t] = parts.length ? mergeDists(parts) : undefined;
    overallCounts[t] = [...counts.values()].reduce((a, c) => a + (c[t] ?? 0), 0);
  }
  const fromHistogram = !!load.overall.histogram;
  const overallDist = load.overall.histogram
    ? decodeHistogram(load.overall.histogram)
    : routeDists.every((d) => d.total > 0) && [...out.values()].every((s) => s.fromHistogram) ? mergeDists(routeDists) : load.overall.latencyMs ? distFromSummary(load.overall.latencyMs, load.overall.requests) : mergeDists([]);
  out.set('overall', { summary: load.overall, dist: overallDist, seconds: overallSeconds, counts: overallCounts, fromHistogram });
  return out;
}

function fill(xs: number[]): number[] {
  return Array.from({ length: xs.length }, (_, i) => xs[i] ?? 0);
}

function view(d: ScopeData): DistributionView {
  return { requests: d.summary.requests, cdf: cdfPoints(d.dist, 40), box: boxOf(d.dist) };
}

interface Judgement {
  comparison: GateComparison;
  check: CheckResultInput;
}

function describe(metric: GateComparison['metric'], effect: Effect, tolerance: number): { estimate: number; low: number; high: number; tol: number } {
  // Latency: relative change. Throughput: relative drop. Error rate: percentage points.
  if (metric === 'error_rate') return { estimate: effect.estimate, low: effect.low, high: effect.high, tol: tolerance };
  if (metric === 'throughput') return { estimate: 1 - Math.exp(-effect.estimate), low: 1 - Math.exp(-effect.low), high: 1 - Math.exp(-effect.high), tol: 1 - Math.exp(-tolerance) };
  return { estimate: rel(effect.estimate), low: rel(effect.low), high: rel(effect.high), tol: rel(tolerance) };
}

/** The two levels a gate judges at: fails corrected for the number of checks, passes not (see statistics/decide.ts). */
interface Levels {
  fail: number;
  pass: number;
  /** How many comparisons share the fail level's correction. */
  m: number;
}

function judged(
  scope: string,
  metric: GateComparison['metric'],
  effectAt: (confidence: number) => Effect,
  tolerance: number,
  levels: Levels,
  values: { baseline: number | null; current: number | null; text: string },
): Judgement {
  const failEffect = effectAt(levels.fail);
  const passEffect = levels.pass === levels.fail ? failEffect : effectAt(levels.pass);
  const j = judge(failEffect, tolerance, levels.fail, passEffect);
  // The interval shown (and recorded) is the one that decided: a fail's is the corrected one.
  const effect = j.decision === 'fail' ? failEffect : passEffect;
  const confidence = j.decision === 'fail' ? levels.fail : levels.pass;
  const d = describe(metric, effect, tolerance);
  const detectable = describe(metric, { ...failEffect, estimate: j.detectable }, tolerance).estimate;
  const fmt = metric === 'error_rate' ? (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}pp` : (x: number) => pct(x);
  const name = metric === 'shift' ? 'latency shift' : metric === 'error_rate' ? 'error rate' : metric;
  const conf = `${+(confidence * 100).toPrecision(4)}%`;
  const corrected = j.decision === 'fail' && levels.m > 1 ? `, corrected for ${levels.m} comparisons` : '';
  const allowed = metric === 'throughput' ? `at most ${(d.tol * 100).toFixed(1)}% lower allowed` : `allowed ${fmt(d.tol)}`;
  const change = metric === 'throughput' ? `${pct(-d.estimate)} (${conf} CI ${pct(-d.high)} to ${pct(-d.low)}${corrected})` : `${fmt(d.estimate)} (${conf} CI ${fmt(d.low)} to ${fmt(d.high)}${corrected})`;
  let summary = `${scope} ${name} ${values.text}: ${change}; ${allowed}`;
  if (j.decision === 'inconclusive') {
    const detect = metric === 'throughput' ? `a drop of ${pct(detectable)}` : fmt(detectable);
    summary += `; inconclusive: this data could detect ${detect} at the least; a run about ${j.lengthFactor! >= 100 ? '100x or more' : `${j.lengthFactor!.toFixed(1)}x`} as long would decide`;
  }
  const comparison: GateComparison = {
    scope, metric, status: j.decision,
    estimate: d.estimate, low: d.low, high: d.high, tolerance: d.tol,
    baseline: values.baseline, current: values.current,
    method: effect.method, detectable, lengthFactor: j.lengthFactor, environment: null, confidence,
  };
  return {
    comparison,
    check: { id: `gate.${scope}.${metric}`, status: j.decision, summary, evidence: { ...comparison, batches: effect.batches } },
  };
}

/** Values a run must have above a quantile for its estimate to mean anything (p95: 200 requests, p99: 1,000). */
const TAIL_VALUES = 10;
const QUANTILE = { p95: 0.95, p99: 0.99 } as const;

const ms1 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${x.toFixed(1)}ms`);

/** How many comparisons a scope will judge (the skips left out): the gate's confidence is shared by all of them. */
function eligible(scope: string, base: ScopeData, cur: ScopeData, gate: Gate): number {
  const n = Math.min(base.summary.requests, cur.summary.requests);
  if (n < gate.minRequests) return 0;
  const latency = (['p95', 'p99'] as const).filter((m) => n >= Math.ceil(TAIL_VALUES / (1 - QUANTILE[m]))).length + 1;
  return latency + 1 + (scope === 'overall' ? 1 : 0);
}

/** Latency, error rate and throughput of one scope, each judged at `levels`. */
function compareScope(scope: string, base: ScopeData, cur: ScopeData, gate: Gate, mode: GateMode, levels: Levels): Judgement[] {
  const out: Judgement[] = [];
  const tooFew = base.summary.requests < gate.minRequests || cur.summary.requests < gate.minRequests;
  const seconds = Math.max(base.seconds.length, cur.seconds.length);
  const count = batchCount(seconds);
  const samples = {
    base: base.dist, cur: cur.dist,
    baseBatches: batchesOf(mode === 'live' ? pad(base.seconds, seconds) : base.seconds, mode === 'live' ? count : batchCount(base.seconds.length)),
    curBatches: batchesOf(mode === 'live' ? pad(cur.seconds, seconds) : cur.seconds, mode === 'live' ? count : batchCount(cur.seconds.length)),
    paired: mode === 'live',
  };
  const limits: Record<LatencyMetric, number> = { shift: gate.maxLatencyShift, p95: gate.maxP95Regression, p99: gate.maxP99Regression };
  for (const metric of ['shift', 'p95', 'p99'] as const) {
    // A quantile needs values above it: fewer than TAIL_VALUES and its estimate is one or two requests.
    const need = metric === 'shift' ? gate.minRequests : Math.max(gate.minRequests, Math.ceil(TAIL_VALUES / (1 - QUANTILE[metric])));
    const short = base.summary.requests < need || cur.summary.requests < need;
    const effect = short ? null : latencyEffect(metric, samples, levels.fail);
    if (!effect) {
      out.push(skipped(scope, metric, `too few requests to compare a ${metric === 'shift' ? 'shift' : metric} (${base.summary.requests} baseline, ${cur.summary.requests} current; at least ${need})`));
      continue;
    }
    const p = metric === 'shift' ? 0.5 : metric === 'p95' ? 0.95 : 0.99;
    const b = quantileMs(base.dist, p);
    const c = quantileMs(cur.dist, p);
    out.push(judged(scope, metric, (c) => (c === levels.fail ? effect : latencyEffect(metric, samples, c)!), Math.log(1 + limits[metric]), levels, { baseline: b, current: c, text: `${metric === 'shift' ? 'p50 ' : ''}${ms1(b)} -> ${ms1(c)}` }));
  }
  if (tooFew) out.push(skipped(scope, 'error_rate', `too few requests to compare (${base.summary.requests} baseline, ${cur.summary.requests} current; at least ${gate.minRequests})`));
  else {
    const e = (c: number) => proportionDifference(base.summary.errors, base.summary.requests, cur.summary.errors, cur.summary.requests, c);
    out.push(judged(scope, 'error_rate', e, gate.maxErrorRateIncrease, levels, {
      baseline: base.summary.errorRate, current: cur.summary.errorRate,
      text: `${(base.summary.errorRate * 100).toFixed(2)}% -> ${(cur.summary.errorRate * 100).toFixed(2)}%`,
    }));
  }
  if (scope === 'overall') {
    const span = (s: ScopeData) => (s.summary.rps > 0 ? (s.summary.requests / s.summary.rps) * 1000 : 0);
    const e = (c: number) => throughputEffect(
      { requests: base.summary.requests, spanMs: span(base), batches: countBatches(pad(base.counts, seconds).map((x) => x ?? 0), count) },
      { requests: cur.summary.requests, spanMs: span(cur), batches: countBatches(pad(cur.counts, seconds).map((x) => x ?? 0), count) },
      mode === 'live',
      c,
    );
    if (e(levels.fail)) out.push(judged(scope, 'throughput', (c) => e(c)!, -Math.log(gate.minThroughputRatio), levels, { baseline: base.summary.rps, current: cur.summary.rps, text: `${base.summary.rps} -> ${cur.summary.rps} req/s` }));
  }
  return out;
}

function pad<T>(xs: readonly T[], length: number): (T | undefined)[] {
  return Array.from({ length }, (_, i) => xs[i]);
}

function skipped(scope: string, metric: GateComparison['metric'], why: string): Judgement {
  return {
    comparison: { scope, metric, status: 'skip', estimate: null, low: null, high: null, tolerance: 0, baseline: null, current: null, method: null, detectable: null, lengthFactor: null, environment: null },
    check: { id: `gate.${scope}.${metric}`, status: 'skip', summary: why, evidence: {} },
  };
}

/**
 * A stored baseline ran at another time, maybe on another machine. When the machine was
 * clearly busier, or the reference route (one the release does not touch) slowed as much
 * as a route did, a slower route says nothing about the build: that check is inconclusive,
 * naming the environment, never a fail.
 */
function machineChanges(base: MachineSummary | null, cur: MachineSummary | null): string[] {
  const reasons: string[] = [];
  if (!base || !cur) return reasons;
  if (base.cpuBusy && cur.cpuBusy) {
    if (cur.cpuBusy.mean - base.cpuBusy.mean > 0.15) reasons.push(`the machine was busier: CPU ${Math.round(base.cpuBusy.mean * 100)}% -> ${Math.round(cur.cpuBusy.mean * 100)}% busy on average`);
    else if (cur.cpuBusy.p95 - base.cpuBusy.p95 > 0.2) reasons.push(`the machine was busier at times: CPU p95 ${Math.round(base.cpuBusy.p95 * 100)}% -> ${Math.round(cur.cpuBusy.p95 * 100)}% busy`);
  }
  if (base.scheduleLagMs && cur.scheduleLagMs && cur.scheduleLagMs.p99 > Math.max(2, 3 * base.scheduleLagMs.p99)) {
    reasons.push(`requests left later: schedule lag p99 ${base.scheduleLagMs.p99}ms -> ${cur.scheduleLagMs.p99}ms`);
  }
  return reasons;
}

export function compareLoads(baseline: Side, current: Side, config: DrillConfig, mode: GateMode): Comparison {
  const gate = config.gate;
  const base = scopesOf(baseline);
  const cur = scopesOf(current);
  const baseMachine = loadResultsOf(baseline.record)?.machine ?? null;
  const curMachine = loadResultsOf(current.record)?.machine ?? null;
  const judgements: Judgement[] = [];
  const checks: CheckResultInput[] = [];
  const distributions: Comparison['distributions'] = {};
  // Bonferroni for fails: a gate judges m comparisons, each fail at 1 − (1 − confidence)/m,
  // so the chance that an A/A gate fails anywhere stays within 1 − confidence. Passes are
  // judged at the plain level: the gate passes only if every check does (statistics/decide.ts).
  const m = Math.max(1, [...base].reduce((a, [scope, b]) => a + (cur.has(scope) ? eligible(scope, b, cur.get(scope)!, gate) : 0), 0));
  const levels: Levels = { fail: 1 - (1 - gate.confidence) / m, pass: gate.confidence, m };
  for (const [scope, b] of base) {
    const c = cur.get(scope);
    if (!c) {
      checks.push({ id: `gate.${scope}.present`, strict: false, status: 'warn', summary: `${scope} is in the baseline but not in the current run`, evidence: {} });
      continue;
    }
    judgements.push(...compareScope(scope, b, c, gate, mode, levels));
    if (b.dist.total && c.dist.total) distributions[scope] = { baseline: view(b), current: view(c) };
  }
  const reasons: string[] = [];
  if (mode === 'stored') {
    reasons.push(...machineChanges(baseMachine, curMachine));
    const ref = gate.referenceRoute;
    const refJudged = new Map(judgements.filter((j) => j.comparison.scope === ref).map((j) => [j.comparison.metric, j.comparison]));
    for (const j of judgements) {
      if (j.comparison.status !== 'fail' || j.comparison.metric === 'error_rate') continue;
      const r = refJudged.get(j.comparison.metric);
      // The reference moved as much as this route did, give or take the tolerance.
      const refMoved = r && r.estimate !== null && j.comparison.estimate !== null && r.status !== 'skip' && r.estimate >= j.comparison.estimate - j.comparison.tolerance;
      const why = [...reasons];
      if (refMoved) why.push(`the reference route ${ref} moved ${pct(r.estimate!)} in ${j.comparison.metric} too`);
      if (j.comparison.scope === ref && r) why.push(`${ref} is the reference route: the release does not change it`);
      if (!why.length) continue;
      const note = `the environment changed: ${why.join('; ')}`;
      j.comparison.status = 'inconclusive';
      j.comparison.environment = note;
      j.check.status = 'inconclusive';
      j.check.summary = `${j.check.summary}; inconclusive, not a fail: ${note}. Judge the candidate side by side instead (drill gate --control URL --candidate URL)`;
      (j.check.evidence as Record<string, unknown>).environment = note;
      if (!reasons.includes(why.at(-1)!) && refMoved) reasons.push(why.at(-1)!);
    }
  }
  checks.unshift(...judgements.map((j) => j.check));
  return {
    checks,
    comparisons: judgements.map((j) => j.comparison),
    distributions,
    environment: { baseline: baseMachine, current: curMachine, changed: judgements.some((j) => !!j.comparison.environment), reasons: [...new Set(reasons)] },
  };
}
