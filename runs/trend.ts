import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.ts';
import { readRecord } from '../record/read.ts';
import { loadResultsOf, type RunRecord } from '../record/run-record.ts';
import { TREND_METRICS, type TrendMetric, type TrendReport, type TrendRun, type TrendSeries } from '../record/trend.ts';
import { changePoints } from '../statistics/change-points.ts';

export interface TrendInput {
  /** Run directories, or directories holding run directories (a history of nightly runs). */
  dirs: readonly string[];
  cwd?: string;
  windowLength?: number;
  maxPValue?: number;
  /** A regression that began within the newest this many runs is reported as new (default 7). */
  recent?: number;
}

/** Every stress run under the given directories, oldest first. */
function findRuns(cwd: string, dirs: readonly string[]): { dir: string; record: RunRecord }[] {
  const found: { dir: string; record: RunRecord }[] = [];
  const visit = (dir: string, depth: number) => {
    if (existsSync(path.join(dir, 'run.json'))) {
      const record = readRecord(dir);
      if (loadResultsOf(record)) found.push({ dir, record });
      return;
    }
    if (depth > 0) for (const name of readdirSync(dir).sort()) if (statSync(path.join(dir, name)).isDirectory()) visit(path.join(dir, name), depth - 1);
  };
  for (const d of dirs) {
    const dir = path.resolve(cwd, d);
    if (!existsSync(dir)) throw new UsageError(`drill trend: ${d} does not exist; give run directories or a directory of them`);
    visit(dir, 2);
  }
  return found.sort((a, b) => a.record.startedAt.localeCompare(b.record.startedAt));
}

function valueOf(record: RunRecord, scope: string, metric: TrendMetric): number | null {
  const load = loadResultsOf(record)?.load;
  const s = scope === 'overall' ? load?.overall : load?.routes[scope];
  if (!s) return null;
  if (metric === 'error_rate') return s.errorRate;
  if (metric === 'throughput') return s.rps;
  return s.latencyMs?.[metric] ?? null;
}

/**
 * The nightly trend: each route's and the overall p50, p95, p99, error rate and throughput
 * across runs, with change points (E-divisive means, statistics/change-points.ts) and
 * where each regression began: the run, its time and its commit.
 */
export function analyzeTrend(input: TrendInput): TrendReport {
  const runs = findRuns(input.cwd ?? process.cwd(), input.dirs);
  if (runs.length === 0) throw new UsageError('drill trend: no stress run records (run.json) under the given directories');
  const windowLength = input.windowLength ?? 30;
  const maxPValue = input.maxPValue ?? 0.01;
  const recent = input.recent ?? 7;
  const trendRuns: TrendRun[] = runs.map(({ dir, record }) => ({
    dir,
    startedAt: record.startedAt,
    commit: (record.environment as { commit?: string }).commit ?? null,
    verdict: record.verdict,
  }));
  const scopes = ['overall', ...new Set(runs.flatMap(({ record }) => Object.keys(loadResultsOf(record)?.load?.routes ?? {})))];
  const series: TrendSeries[] = [];
  for (const scope of scopes) {
    for (const metric of TREND_METRICS) {
      const values = runs.map(({ record }) => valueOf(record, scope, metric));
      const known = values.map((v, i) => ({ v, i })).filter((x): x is { v: number; i: number } => x.v !== null);
      const changes = known.length >= 4
        ? changePoints(known.map((x) => x.v), { windowLength, maxPValue }).map((c) => {
            const index = known[c.index]!.i;
            const worse = metric === 'throughput' ? c.meanAfter < c.meanBefore : c.meanAfter > c.meanBefore;
            return { index, run: trendRuns[index]!, before: c.meanBefore, after: c.meanAfter, change: c.change, pValue: c.pValue, regression: worse };
          })
        : [];
      series.push({ scope, metric, values, changes });
    }
  }
  const recentRegressions = series.flatMap((s) => s.changes.filter((c) => c.regression && c.index >= runs.length - recent).map((c) => ({ ...c, scope: s.scope, metric: s.metric })));
  return { runs: trendRuns, series, options: { windowLength, maxPValue, recent }, recentRegressions };
}
