import { renderMarkdown } from './markdown.ts';
import { RunRecord, type RunRecordInput } from './record.ts';
import type { RunDir } from './run-dir.ts';
import { secrets } from '../core/secrets.ts';

/**
 * Validates the record, redacts it, and writes run.json then every rendering.
 * run.json goes first: if a renderer throws, the truth is already on disk.
 */
export function writeRecord(runDir: RunDir, input: RunRecordInput): RunRecord {
  const record = secrets.redactDeep(RunRecord.parse(input));
  runDir.writeJson('run.json', record);
  runDir.writeText('report.md', renderMarkdown(record));
  return record;
}
