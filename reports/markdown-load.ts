import { formatDuration } from '../core/duration.ts';
import type { RouteSummary } from '../record/load.ts';
import type { StressResults } from '../record/results.ts';

const ms = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));

/** The load section of report.md: routes ranked by p95 then p99, as CE Pro's runbook ranks them. */
export function renderLoadSection(r: StressResults): string[] {
  if (!r.load) return [];
  const lines: string[] = ['## Load', ''];
  if (r.profile) lines.push(`Profile \`${r.profile.name}\`: up to ${r.profile.peakUsers} users for ${formatDuration(r.profile.durationMs)}.`, '');
  lines.push('| route | requests | req/s | errors | p50 ms | p95 ms | p99 ms | max ms |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const row = (name: string, s: RouteSummary) =>
    `| ${name} | ${s.requests} | ${s.rps} | ${s.errors}${s.requests ? ` (${(s.errorRate * 100).toFixed(1)}%)` : ''} | ${ms(s.latencyMs?.p50)} | ${ms(s.latencyMs?.p95)} | ${ms(s.latencyMs?.p99)} | ${ms(s.latencyMs?.max)} |`;
  lines.push(row('**overall**', r.load.overall));
  const ranked = Object.entries(r.load.routes).sort(
    ([, a], [, b]) => (b.latencyMs?.p95 ?? -1) - (a.latencyMs?.p95 ?? -1) || (b.latencyMs?.p99 ?? -1) - (a.latencyMs?.p99 ?? -1),
  );
  for (const [name, s] of ranked) lines.push(row(`\`${name}\``, s));
  lines.push('');
  const status = Object.entries(r.load.overall.status).map(([code, n]) => `${code}: ${n}`);
  const transport = Object.entries(r.load.overall.transportErrors).map(([kind, n]) => `${kind}: ${n}`);
  lines.push(`Statuses: ${[...status, ...transport].join(', ') || 'none'}. Auth failures (401/403): ${r.load.overall.authFailures}.`, '');
  if (r.recovery) {
    lines.push(
      r.recovery.recovered
        ? `Queue recovery: back to normal (at most ${r.recovery.normal}) ${formatDuration(r.recovery.drainMs ?? 0)} after the load; backlog was ${r.recovery.backlogAtLoadEnd} when it stopped.`
        : `Queue recovery: NOT back to normal (at most ${r.recovery.normal}) by the deadline; backlog was ${r.recovery.backlogAtLoadEnd} when the load stopped.`,
      '',
    );
  }
  if (r.generator) {
    const g = r.generator;
    lines.push(
      `Load generator: schedule lag p99 ${ms(g.scheduleLagMs?.p99)} ms, peak worker utilisation ${Math.round(g.peakWorkerUtilization * 100)}%, watcher loop delay p99 ${g.mainLoopDelayMs.p99} ms${g.droppedArrivals ? `, ${g.droppedArrivals} arrivals dropped` : ''}.`,
      '',
    );
  }
  return lines;
}
