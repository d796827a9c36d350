import type { DrillConfig } from '../core/config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import type { RouteSummary } from '../engine/stats.ts';
import type { CheckResultInput, RunRecord, RunRecordInput } from '../reports/record.ts';
import { finishRecord } from './record-base.ts';

type Gate = DrillConfig['gate'];

interface LoadResults {
  overall: RouteSummary;
  routes: Record<string, RouteSummary>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One scope (overall or a route): p95, p99, error rate and, for overall, throughput. */
function compareScope(scope: string, base: RouteSummary, cur: RouteSummary, gate: Gate): CheckResultInput[] {
  const checks: CheckResultInput[] = [];
  const id = (metric: string) => `gate.${scope}.${metric}`;
  const tooFew = base.requests < gate.minRequests || cur.requests < gate.minRequests;
  for (const [metric, limit] of [['p95', gate.maxP95Regression], ['p99', gate.maxP99Regression]] as const) {
    const b = base.latencyMs?.[metric];
    const c = cur.latencyMs?.[metric];
    if (tooFew || b === undefined || c === undefined) {
      checks.push({ id: id(metric), status: 'skip', summary: `too few requests to compare (${base.requests} baseline, ${cur.requests} current; at least ${gate.minRequests})`, evidence: {} });
      continue;
    }
    const change = b > 0 ? (c - b) / b : 0;
    checks.push({
      id: id(metric),
      status: change > limit ? 'fail' : 'pass',
      summary: `${scope} ${metric} ${b.toFixed(1)}ms -> ${c.toFixed(1)}ms (${change >= 0 ? '+' : ''}${pct(change)}; allowed +${pct(limit)})`,
      evidence: { baseline: b, current: c, change, allowed: limit },
    });
  }
  const increase = cur.errorRate - base.errorRate;
  checks.push({
    id: id('error_rate'),
    status: increase > gate.maxErrorRateIncrease ? 'fail' : 'pass',
    summary: `${scope} error rate ${pct(base.errorRate)} -> ${pct(cur.errorRate)} (${increase >= 0 ? '+' : ''}${(increase * 100).toFixed(2)}pp; allowed +${(gate.maxErrorRateIncrease * 100).toFixed(2)}pp)`,
    evidence: { baseline: base.errorRate, current: cur.errorRate, increase, allowed: gate.maxErrorRateIncrease },
  });
  if (scope === 'overall') {
    const ratio = base.rps > 0 ? cur.rps / base.rps : 1;
    checks.push({
      id: id('throughput'),
      status: ratio < gate.minThroughputRatio ? 'fail' : 'pass',
      summary: `throughput ${base.rps} -> ${cur.rps} req/s (${ratio.toFixed(3)}x; at least ${gate.minThroughputRatio}x)`,
      evidence: { baseline: base.rps, current: cur.rps, ratio, allowed: gate.minThroughputRatio },
    });
  }
  return checks;
}

/**
 * The pricing-change release gate: the current run against a blessed baseline, per route
 * and overall. Regressions beyond tolerance fail; so do alerts that fire now and did not
 * then, and a queue that takes much longer to recover.
 */
export function compareRuns(baseline: RunRecord, current: RunRecord, config: DrillConfig, paths: { baseline: string; current: string }, signal: AbortSignal): RunRecordInput {
  const started = Date.now();
  const gate = config.gate;
  const base = baseline.results.load as LoadResults | null | undefined;
  const cur = current.results.load as LoadResults | null | undefined;
  const checks: CheckResultInput[] = [];
  if (!base || !cur) {
    checks.push({ id: 'gate.inputs', status: 'error', summary: `${!base ? 'the baseline' : 'the current run'} has no load results: both must be stress runs`, evidence: paths });
  } else {
    if (baseline.results.profile && current.results.profile) {
      const bp = (baseline.results.profile as { name: string }).name;
      const cp = (current.results.profile as { name: string }).name;
      if (bp !== cp) checks.push({ id: 'gate.profile', strict: false, status: 'warn', summary: `profiles differ: baseline ${bp}, current ${cp}`, evidence: { baseline: bp, current: cp } });
    }
    checks.push(...compareScope('overall', base.overall, cur.overall, gate));
    for (const [route, b] of Object.entries(base.routes)) {
      const c = cur.routes[route];
      if (!c) checks.push({ id: `gate.${route}.present`, strict: false, status: 'warn', summary: `${route} is in the baseline but not in the current run`, evidence: {} });
      else checks.push(...compareScope(route, b, c, gate));
    }
    const newAlerts = current.alerts.filter((a) => a.firedAt && !baseline.alerts.find((b) => b.id === a.id && b.firedAt)).map((a) => a.id);
    checks.push({
      id: 'gate.alerts',
      status: newAlerts.length ? 'fail' : 'pass',
      summary: newAlerts.length ? `alerts fired now and not in the baseline: ${newAlerts.join(', ')}` : 'no alert fired that the baseline did not',
      evidence: { newAlerts },
    });
    const bRec = (baseline.results.recovery as { drainMs: number | null } | null | undefined)?.drainMs;
    const cRec = (current.results.recovery as { drainMs: number | null; recovered: boolean } | null | undefined);
    if (typeof bRec === 'number' && cRec) {
      const slower = cRec.drainMs === null ? Number.POSITIVE_INFINITY : cRec.drainMs - bRec;
      checks.push({
        id: 'gate.queue_recovery',
        status: slower > gate.maxRecoveryIncrease ? 'fail' : 'pass',
        summary: cRec.drainMs === null
          ? `the queue did not recover in the current run (baseline: ${formatDuration(bRec)})`
          : `queue recovery ${formatDuration(bRec)} -> ${formatDuration(cRec.drainMs)} (allowed +${formatDuration(gate.maxRecoveryIncrease)})`,
        evidence: { baseline: bRec, current: cRec.drainMs, allowed: gate.maxRecoveryIncrease },
      });
    } else {
      checks.push({ id: 'gate.queue_recovery', status: 'skip', summary: 'recovery time missing in one of the runs (no queue snapshot)', evidence: {} });
    }
  }
  return finishRecord({
    kind: 'gate',
    target: current.target,
    startedAt: started,
    endedAt: Date.now(),
    config,
    signal,
    checks,
    alerts: [],
    streams: {},
    results: { baseline: paths.baseline, current: paths.current, baselineStartedAt: baseline.startedAt, currentStartedAt: current.startedAt, tolerances: gate },
  });
}
