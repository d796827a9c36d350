import { existsSync } from 'node:fs';
import { makeDirectory } from '../../core/fs.ts';
import os from 'node:os';
import path from 'node:path';
import { readRecord, rebuildFromStreams, runDirOf } from '../../record/read.ts';
import { RunDir } from '../../record/run-dir.ts';
import type { DrillConfig } from '../../config/schema.ts';
import { UsageError } from '../../core/errors.ts';
import { withK6Results } from '../../k6/record.ts';
import { exitCodeOf } from '../run-helpers.ts';
import { SCHEMA_VERSION, type RunRecord, type RunRecordInput } from '../../record/run-record.ts';
import { renderAll, writeRecord } from '../../reports/write.ts';
import { defaultScenario, loadScenarioFile } from '../../scenarios/load.ts';
import { profileNamed, resolveProfile } from '../../scenarios/profiles.ts';
import { resolveThresholdSpecs } from '../../thresholds/specs.ts';
import { configFor } from '../run-helpers.ts';
import { defineCommand } from '../spec.ts';

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'Re-render report.md, report.html and junit.xml from run.json and the NDJSON streams',
  positionals: [
    { name: 'DIR', description: 'a run directory', required: true },
    { name: 'FILE…', description: 'with --k6-summary: more summary files', variadic: true },
  ],
  flags: {
    'k6-summary': { type: 'path', multiple: true, valueName: 'FILE', description: 'k6 --summary-export or handleSummary JSON, one per runner pod; merged and judged once' },
    profile: { type: 'string', valueName: 'NAME', description: 'With --k6-summary: whose thresholds to judge the merged results by' },
    scenario: { type: 'path', description: 'With --k6-summary: the scenario the script was exported from (maps route tags to names)' },
    config: { type: 'path', description: 'Config file (thresholds)' },
  },
  details: `When run.json is missing (the run crashed or was killed), the record is rebuilt from
the NDJSON streams, written as run.json, and its verdict is fail: no verdict was recorded.
Exit code: the run's verdict (0 pass, 1 otherwise).`,
  examples: ['drill report reports/runs/2026-11-29T09-00-00Z-stress'],
  async run({ positionals, flags }, ctx) {
    // `--k6-summary a.json b.json` as the contract writes it: the files after DIR belong to it too.
    const extra = positionals.slice(1);
    if (extra.length && !flags['k6-summary']) throw new UsageError(`drill report: unexpected argument "${extra[0]}"; only --k6-summary takes several files`);
    const k6Files = [...(flags['k6-summary'] ?? []), ...extra].map((f) => path.resolve(ctx.cwd, f));
    if (k6Files.length === 0 && (flags.profile || flags.scenario)) throw new UsageError('drill report: --profile and --scenario only go with --k6-summary');
    if (k6Files.length) makeDirectory(path.resolve(ctx.cwd, positionals[0]!), 'drill report DIR');
    const dir = runDirOf(ctx.cwd, positionals[0]!);
    const runDir = k6Files.length ? RunDir.reuse(dir) : RunDir.open(dir);
    const hasRecord = existsSync(path.join(dir, 'run.json'));
    const hasStreams = ['samples.ndjson', 'intervals.ndjson', 'alerts.ndjson'].some((f) => existsSync(path.join(dir, f)));
    let record: RunRecord;
    let note = '';
    if (k6Files.length) {
      const config = await configFor(ctx, flags.config, {});
      const scenario = flags.scenario ? await loadScenarioFile(ctx.cwd, flags.scenario) : defaultScenario();
      // The same resolution as a stress run: the profile's thresholds plus config's, or config's alone.
      const thresholds = resolveThresholdSpecs(flags.profile ? resolveProfile(profileNamed('drill report', flags.profile), config, {}).thresholds : config.thresholds, scenario.routes.map((r) => r.name));
      const base: RunRecordInput = hasRecord ? readRecord(dir) : hasStreams ? { ...rebuildFromStreams(dir), checks: [], reasons: [] } : emptyStressRecord(config);
      record = writeRecord(runDir, withK6Results({ ...base, kind: 'stress' } as RunRecordInput, k6Files, scenario, thresholds, config.stress.minRequests), ctx.env);
      note = `merged ${k6Files.length} k6 summaries; `;
    } else {
      record = hasRecord ? readRecord(dir) : rebuildFromStreams(dir);
      if (!hasRecord) {
        runDir.writeJson('run.json', record);
        note = 'rebuilt run.json from the streams; ';
      }
      renderAll(runDir, record, ctx.env);
    }
    ctx.stdout.write(`${note}rendered ${['report.md', 'report.html', 'junit.xml'].map((f) => path.join(dir, f)).join(', ')}\n`);
    return exitCodeOf(record);
  },
});

/** A stress record with nothing but what the k6 summaries will add (no watcher ran). */
function emptyStressRecord(config: DrillConfig): RunRecordInput {
  const now = new Date().toISOString();
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'stress',
    tool: { name: 'drill', version: 'k6 ingest' },
    startedAt: now,
    endedAt: now,
    target: null,
    verdict: 'pass',
    // The k6 load was measured, but nothing watched the app beside it: say so, and never pass.
    checks: [
      {
        id: 'watch.present',
        status: 'not_evaluated',
        summary: 'no watcher ran beside this k6 load (no samples.ndjson here): health, the queue and the alerts were not judged; run drill watch beside k6 and pass its run directory',
        evidence: {},
      },
    ],
    config,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
  };
}
