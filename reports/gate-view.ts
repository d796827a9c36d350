import type { GateComparison, GateResults } from '../record/results.ts';

/**
 * The gate's comparisons as the reports show them, per scope: baseline against current,
 * each metric's estimate with its interval, and the two distributions (box plot numbers
 * here; report.html draws the CDFs).
 */
const pct = (x: number | null) => (x === null ? '' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`);
const pp = (x: number | null) => (x === null ? '' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}pp`);
const num = (x: number | null) => (x === null ? '' : x >= 100 ? String(Math.round(x)) : x.toFixed(x < 1 ? 4 : 1));

export interface GateRow {
  scope: string;
  metric: string;
  status: string;
  baseline: string;
  current: string;
  change: string;
  interval: string;
  tolerance: string;
  note: string;
}

function row(c: GateComparison): GateRow {
  const f = c.metric === 'error_rate' ? pp : pct;
  return {
    scope: c.scope,
    metric: c.metric === 'shift' ? 'latency shift (p50 shown)' : c.metric,
    status: c.status,
    baseline: c.metric === 'error_rate' ? pct(c.baseline).replace('+', '') : num(c.baseline),
    current: c.metric === 'error_rate' ? pct(c.current).replace('+', '') : num(c.current),
    change: c.metric === 'throughput' ? pct(c.estimate === null ? null : -c.estimate) : f(c.estimate),
    interval: c.low === null || c.high === null ? '' : c.metric === 'throughput' ? `${pct(-c.high)} to ${pct(-c.low)}` : `${f(c.low)} to ${f(c.high)}`,
    tolerance: c.metric === 'throughput' ? `≥ ${pct(-c.tolerance)}` : `≤ ${f(c.tolerance)}`,
    note: c.environment ?? (c.status === 'inconclusive' && c.detectable !== null ? `could detect ${c.metric === 'throughput' ? pct(-c.detectable) : f(c.detectable)}; ~${(c.lengthFactor ?? 0).toFixed(1)}x longer to decide` : ''),
  };
}

export function gateRows(results: GateResults): GateRow[] {
  return (results.comparisons ?? []).filter((c) => c.status !== 'skip').map(row);
}

export function renderGateMarkdown(results: GateResults): string[] {
  const rows = gateRows(results);
  if (!rows.length) return [];
  const mode = results.mode === 'live' ? `live A/B: control ${results.control} against candidate ${results.candidate}, loaded side by side` : 'against a stored baseline';
  const lines = ['## Comparisons', '', `${mode}; intervals at ${Math.round((results.confidence ?? 0.95) * 100)}% confidence. Latency in ms; change = current against baseline.`, ''];
  lines.push('| scope | metric | baseline | current | change | interval | tolerance | result | note |', '| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |');
  for (const r of rows) lines.push(`| ${r.scope} | ${r.metric} | ${r.baseline} | ${r.current} | ${r.change} | ${r.interval} | ${r.tolerance} | ${r.status.toUpperCase()} | ${r.note.replace(/\|/g, '\\|')} |`);
  lines.push('');
  const dists = Object.entries(results.distributions ?? {});
  if (dists.length) {
    lines.push('### Distributions (box plot: p1, p25, p50, p75, p99 in ms)', '', '| scope | side | requests | p1 | p25 | p50 | p75 | p99 |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [scope, d] of dists) {
      for (const [side, v] of [['baseline', d.baseline], ['current', d.current]] as const) {
        const b = v.box;
        lines.push(`| ${scope} | ${side} | ${v.requests} | ${b ? [b.p1, b.p25, b.p50, b.p75, b.p99].map((x) => num(x)).join(' | ') : ' |  |  |  | '} |`);
      }
    }
    lines.push('');
  }
  if (results.environment?.changed) lines.push(`Environment: ${results.environment.reasons.join('; ')}.`, '');
  return lines;
}
