import { appendFileSync } from 'node:fs';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { RunRecord, type RunRecordInput } from '../record/run-record.ts';
import type { RunDir } from '../record/run-dir.ts';
import { loadSeries } from './series.ts';
import { secrets } from '../core/secrets.ts';

/**
 * Validates the record, redacts it, and writes run.json then every rendering.
 * run.json goes first: if a renderer throws, the truth is already on disk.
 */
export function writeRecord(runDir: RunDir, input: RunRecordInput, env: NodeJS.ProcessEnv = process.env): RunRecord {
  const record = secrets.redactDeep(RunRecord.parse(input));
  runDir.writeJson('run.json', record);
  renderAll(runDir, record, env);
  return record;
}

/** report.md, report.html and junit.xml from a record and the run's NDJSON streams. */
export function renderAll(runDir: RunDir, record: RunRecord, env: NodeJS.ProcessEnv = process.env): void {
  const markdown = renderMarkdown(record);
  runDir.writeText('report.md', markdown);
  runDir.writeText('report.html', renderHtml(record, loadSeries(runDir.dir)));
  runDir.writeText('junit.xml', renderJunit(record));
  // In GitHub Actions the Markdown report becomes the job's summary page.
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, secrets.redact(`${markdown}\n`));
}
