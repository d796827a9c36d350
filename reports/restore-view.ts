import { formatDuration } from '../core/duration.ts';
import type { RestoreDrillResults } from '../record/results.ts';

const dur = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : formatDuration(Math.round(ms)));

/** The restore drill's figures as label/value rows: the Markdown and HTML reports draw the same ones. */
export function restoreRows(r: RestoreDrillResults): [string, string][] {
  const rows: [string, string][] = [];
  rows.push(['mode', r.mode ?? '-']);
  if (r.source) rows.push(['source', `${r.source.host ?? ''}/${r.source.database ?? ''}`]);
  if (r.restored) rows.push(['restored into', `${r.restored.host ?? ''}/${r.restored.database ?? ''}`]);
  if (r.dump) rows.push(['dump', `${r.dump.status}${r.dump.durationMs !== null ? `, ${dur(r.dump.durationMs)}` : ''}${r.dump.bytes !== null ? `, ${r.dump.bytes.toLocaleString('en-US')} bytes` : ''}${r.dump.format ? `, ${r.dump.format}` : ''}${r.dump.file ? `, ${r.dump.file}` : ''}${r.dump.error ? `: ${r.dump.error}` : ''}`]);
  if (r.restore) rows.push(['restore', `${r.restore.status}${r.restore.durationMs !== null ? `, ${dur(r.restore.durationMs)}` : ''}${r.restore.tool ? ` (${r.restore.tool})` : ''}${r.restore.error ? `: ${r.restore.error}` : ''}`]);
  if (r.rto) rows.push(['RTO (dump + restore)', `${dur(r.rto.totalMs)} = ${dur(r.rto.dumpMs)} + ${dur(r.rto.restoreMs)}${r.rto.maxMs !== null ? ` (at most ${dur(r.rto.maxMs)})` : ''}`]);
  if (r.rpo) rows.push(['RPO (data age)', `${dur(r.rpo.rpoMs)}; data as of ${r.rpo.dataAsOf ?? 'unknown'} (${r.rpo.basis}${r.rpo.newestRow ? `: ${r.rpo.newestRow.table}.${r.rpo.newestRow.column}` : ''})${r.rpo.maxMs !== null ? ` (at most ${dur(r.rpo.maxMs)})` : ''}`]);
  if (r.parity) {
    const p = r.parity;
    rows.push(['parity', p.status === 'skip' ? `skipped${p.error ? `: ${p.error}` : ''}` : `${p.status}, ${dur(p.durationMs)}; ${p.schemaDifferences ?? '-'} schema differences; ${p.tables ?? '-'} tables, ${p.rows?.toLocaleString('en-US') ?? '-'} rows; ${p.differingKeys ?? '-'} keys differ (drift allowed ${p.allowedDrift})${p.tablesDiffering.length ? `; differing: ${p.tablesDiffering.join(', ')}` : ''}${p.error ? `; ${p.error}` : ''}`]);
  }
  if (r.smoke) {
    const q = r.smoke.queue;
    rows.push(['app smoke', `${r.smoke.status}${r.smoke.via ? ` via ${r.smoke.via}` : ''}${r.smoke.httpStatus !== null ? `, HTTP ${r.smoke.httpStatus}` : ''}${q ? `, queue ${q.pending} pending / ${q.retrying} retrying / ${q.processing} processing / ${q.dead_letter} dead-letter` : ''}${r.smoke.error ? `: ${r.smoke.error}` : ''}`]);
  }
  if (r.readiness) rows.push(['readiness record', `${r.readiness.appended ? 'appended to' : 'not appended to'} ${r.readiness.file}${r.readiness.error ? `: ${r.readiness.error}` : ''}`]);
  return rows;
}

/** The headline: RTO, RPO, parity and the smoke in a few words. */
export function restoreHeadline(r: RestoreDrillResults): string[] {
  const figures: string[] = [];
  if (r.rto?.totalMs !== null && r.rto?.totalMs !== undefined) figures.push(`RTO ${dur(r.rto.totalMs)}${r.rto.dumpMs !== null ? ` (dump ${dur(r.rto.dumpMs)} + restore ${dur(r.rto.restoreMs)})` : ''}`);
  else if (r.restore?.status === 'error' || r.dump?.status === 'error') figures.push(`${r.dump?.status === 'error' ? 'dump' : 'restore'} errored after ${dur(r.dump?.status === 'error' ? r.dump.durationMs : r.restore?.durationMs)}`);
  if (r.rpo?.rpoMs !== null && r.rpo?.rpoMs !== undefined) figures.push(`RPO ${dur(r.rpo.rpoMs)} (${r.rpo.basis})`);
  if (r.parity) figures.push(`parity ${r.parity.status}`);
  if (r.smoke) figures.push(`app smoke ${r.smoke.status}`);
  return figures;
}
