import { existsSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../../core/exit-codes.ts';
import { readRecord, rebuildFromStreams, runDirOf } from '../../reports/load-record.ts';
import { RunDir } from '../../reports/run-dir.ts';
import { renderAll } from '../../reports/write.ts';
import { defineCommand } from '../spec.ts';

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'Re-render report.md, report.html and junit.xml from run.json and the NDJSON streams',
  positionals: [{ name: 'DIR', description: 'a run directory', required: true }],
  flags: {},
  details: `When run.json is missing (the run crashed or was killed), the record is rebuilt from
the NDJSON streams, written as run.json, and its verdict is fail: no verdict was recorded.
Exit code: the run's verdict (0 pass, 1 otherwise).`,
  examples: ['drill report reports/runs/2026-11-29T09-00-00Z-stress'],
  async run({ positionals }, ctx) {
    const dir = runDirOf(ctx.cwd, positionals[0]!);
    const runDir = RunDir.open(dir);
    const rebuilt = !existsSync(path.join(dir, 'run.json'));
    const record = rebuilt ? rebuildFromStreams(dir) : readRecord(dir);
    if (rebuilt) runDir.writeJson('run.json', record);
    renderAll(runDir, record, ctx.env);
    ctx.stdout.write(`${rebuilt ? 'rebuilt run.json from the streams; ' : ''}rendered ${['report.md', 'report.html', 'junit.xml'].map((f) => path.join(dir, f)).join(', ')}\n`);
    return record.verdict === 'pass' ? ExitCode.pass : ExitCode.fail;
  },
});
