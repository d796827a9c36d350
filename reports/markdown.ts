import { formatDuration } from '../core/duration.ts';
import { headline } from './headline.ts';
import { renderLogAnswers } from './logs.ts';
import { renderLoadSection } from './markdown-load.ts';
import { renderGateMarkdown } from './gate-view.ts';
import { restoreRows } from './restore-view.ts';
import { renderCapacityMarkdown } from './capacity-view.ts';
import { signalResultsOf, stressResultsOf, type RunRecord } from '../record/run-record.ts';

const STATUS_MARK: Record<string, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  skip: 'SKIP',
  error: 'ERROR',
  inconclusive: 'INCONCLUSIVE',
  not_evaluated: 'NOT EVALUATED',
};

/** Renders report.md from the record alone; it never reads streams or the clock. */
export function renderMarkdown(record: RunRecord): string {
  const lines: string[] = [];
  const elapsed = Date.parse(record.endedAt) - Date.parse(record.startedAt);
  lines.push(`# drill ${record.kind}: ${record.verdict.toUpperCase()}`, '');
  lines.push(`- Target: ${record.target ?? 'none'}`);
  lines.push(`- Started: ${record.startedAt}, ran ${formatDuration(elapsed)}`);
  if (record.interrupted) lines.push(`- Interrupted by ${record.interrupted.signal} at ${record.interrupted.at}: partial record`);
  const figures = headline(record);
  if (figures.length) lines.push(`- ${figures.join(' · ')}`);
  lines.push('');
  if (record.reasons.length) {
    lines.push('## Why', '', ...record.reasons.map((reason) => `- ${escapeCell(reason)}`), '');
  }
  if (record.checks.length) {
    lines.push('## Checks', '', '| status | check | summary |', '| --- | --- | --- |');
    for (const check of record.checks) {
      const strict = check.strict ? '' : ' (advisory)';
      lines.push(`| ${STATUS_MARK[check.status]} | \`${check.id}\`${strict} | ${escapeCell(check.summary)} |`);
    }
    lines.push('');
  }
  if (record.alerts.length) {
    lines.push('## Alerts', '', '| alert | state | fired | resolved | detail |', '| --- | --- | --- | --- | --- |');
    for (const alert of record.alerts) {
      lines.push(`| \`${alert.id}\` | ${alert.state.replace('_', ' ')} | ${alert.firedAt ?? ''} | ${alert.resolvedAt ?? ''} | ${escapeCell(alert.summary ?? '')} |`);
    }
    lines.push('');
  }
  const stress = stressResultsOf(record);
  if (stress) lines.push(...renderLoadSection(stress));
  if (record.kind === 'gate') lines.push(...renderGateMarkdown(record.results));
  if (record.kind === 'restore-drill') {
    lines.push('## Restore', '', '| figure | value |', '| --- | --- |', ...restoreRows(record.results).map(([k, v]) => `| ${k} | ${escapeCell(v)} |`), '');
  }
  if (record.kind === 'capacity') lines.push(...renderCapacityMarkdown(record.results));
  const logs = signalResultsOf(record)?.logs;
  if (logs) lines.push('## Logs', '', ...renderLogAnswers(logs).map((line) => (line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`)), '');
  const streams = Object.entries(record.streams);
  if (streams.length) {
    lines.push('## Data', '', ...streams.map(([name, file]) => `- ${name}: \`${file}\``), '');
  }
  return `${lines.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
