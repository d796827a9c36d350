import type { CapacityResults } from '../record/results.ts';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));

/** The capacity search's few numbers, for the headline. */
export function capacityFigures(r: CapacityResults): string[] {
  const figures: string[] = [];
  if (r.sustainable) figures.push(`sustainable ${r.sustainable.rate}/s (p95 ${ms(r.sustainable.p95Ms)} ms)`);
  else if (r.steps?.length) figures.push('no sustainable rate');
  if (r.firstBreak) figures.push(`first break: ${r.firstBreak.signal} at ${r.firstBreak.rate}/s`);
  if (r.headroom !== null && r.headroom !== undefined) figures.push(`headroom ${r.headroom}× over ${r.expect}/s`);
  if (r.limitedBy && r.limitedBy !== 'app') figures.push(`limited by ${r.limitedBy}`);
  return figures;
}

/** The chart's data: each step by rate (x), its p95, backlog and requests in flight at the end. */
export function capacityChart(r: CapacityResults): { rate: number[]; p95: (number | null)[]; backlog: (number | null)[]; inFlight: number[]; sustainable: boolean[] } | null {
  const steps = [...(r.steps ?? [])].sort((a, b) => a.rate - b.rate);
  if (steps.length === 0) return null;
  return {
    rate: steps.map((s) => s.rate),
    p95: steps.map((s) => s.latencyMs?.p95 ?? null),
    backlog: steps.map((s) => s.backlog?.end ?? null),
    inFlight: steps.map((s) => s.inFlight.end),
    sustainable: steps.map((s) => s.sustainable),
  };
}

/** The capacity section of report.md: the answer first, then every step as it was judged. */
export function renderCapacityMarkdown(r: CapacityResults): string[] {
  const lines: string[] = ['## Capacity', ''];
  if (r.sustainable) {
    lines.push(`Highest sustainable rate: **${r.sustainable.rate}/s** (p95 ${ms(r.sustainable.p95Ms)} ms, errors ${(r.sustainable.errorRate * 100).toFixed(2)}%, backlog ${r.sustainable.backlog ?? 'not seen'}).`);
  } else lines.push('No rate tried was sustainable.');
  if (r.knee?.high) lines.push(`The knee lies between ${r.knee.low ?? 0}/s and ${r.knee.high}/s.`);
  if (r.firstBreak) lines.push(`First to break: \`${r.firstBreak.signal}\` at ${r.firstBreak.rate}/s (${r.firstBreak.detail}).`);
  if (r.expect) lines.push(r.headroom !== null && r.headroom !== undefined ? `Headroom: ${r.headroom}× over the expected ${r.expect}/s.` : `Expected ${r.expect}/s: no headroom measured.`);
  if (r.limitedBy === 'generator') lines.push('The load generator saturated before the app broke: the search says nothing of the app beyond the rates it sustained.');
  if (r.limitedBy === 'max-rate') lines.push(`Nothing broke up to capacity.maxRate (${r.search?.maxRate}/s): raise it to search further.`);
  if (r.limitedBy === 'time-cap') lines.push(`The time cap (capacity.maxDuration) ended the search before the knee was narrowed to ${Math.round((r.search?.precision ?? 0) * 100)}%.`);
  lines.push('', '| step | phase | rate/s | answered/s | p95 ms | errors | backlog | in flight | result |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const s of r.steps ?? []) {
    const result = s.sustainable ? 'sustained' : s.broke.map((b) => `${b.signal}: ${b.detail}`).join('; ').replace(/\|/g, '\\|');
    lines.push(
      `| ${s.index + 1} | ${s.phase} | ${s.rate} | ${s.achievedRate} | ${ms(s.latencyMs?.p95)} | ${(s.errorRate * 100).toFixed(1)}% | ${s.backlog ? `${s.backlog.start} → ${s.backlog.end}` : '-'} | ${s.inFlight.start} → ${s.inFlight.end} | ${result} |`,
    );
  }
  lines.push('');
  return lines;
}
