import { loadResultsOf, signalResultsOf, type RunRecord } from '../record/run-record.ts';
import { restoreHeadline } from './restore-view.ts';
import { capacityFigures } from './capacity-view.ts';

const ms = (v: number | undefined) => (v === undefined ? '-' : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 2)}%`;

/**
 * The few numbers a person reads first: what was loaded and how it answered, what the queue
 * did, which alerts fired, how the checks came out. The terminal's closing summary and the
 * HTML header show the same figures.
 */
export function headline(record: RunRecord): string[] {
  const figures: string[] = [];
  if (record.kind === 'capacity') figures.push(...capacityFigures(record.results));
  const load = loadResultsOf(record);
  if (load?.load) {
    const o = load.load.overall;
    figures.push(`${o.requests.toLocaleString('en-US')} requests (${o.rps}/s)`, `p95 ${ms(o.latencyMs?.p95)}`, `p99 ${ms(o.latencyMs?.p99)}`, `errors ${pct(o.errorRate)}`);
    if (load.load.dropped) figures.push(`${load.load.dropped} dropped`);
  }
  if (record.kind === 'restore-drill') figures.push(...restoreHeadline(record.results));
  const signals = signalResultsOf(record);
  if (signals?.queue) figures.push(`max backlog ${signals.queue.maxBacklog}`, `dead-letter ${signals.queue.last?.dead_letter ?? signals.queue.first.dead_letter}`);
  else if (signals?.samples) figures.push('queue not seen');
  if (signals?.samples) figures.push(`${signals.samples.count} health samples${signals.samples.failed ? ` (${signals.samples.failed} failed)` : ''}`);
  const fired = record.alerts.filter((a) => a.firedAt).map((a) => a.id);
  const unevaluated = record.alerts.filter((a) => a.state === 'not_evaluated').length;
  if (record.alerts.length) figures.push(`alerts fired: ${fired.length ? fired.join(', ') : 'none'}${unevaluated ? ` (${unevaluated} not evaluated)` : ''}`);
  const counts = new Map<string, number>();
  for (const c of record.checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  if (record.checks.length) figures.push(`checks: ${[...counts].map(([s, n]) => `${n} ${s.replace('_', ' ')}`).join(', ')}`);
  return figures;
}
