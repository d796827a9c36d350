import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { readRecord, runDirOf } from '../../reports/load-record.ts';
import { compareRuns } from '../../runs/gate.ts';
import { configFor, executeRun } from '../run-helpers.ts';
import { defineCommand } from '../spec.ts';

/** "10%" or "0.1" -> 0.1. */
function fraction(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!match) throw new UsageError(`drill gate --${flag}: "${text}" is not a percentage; write e.g. 10% or 0.1`);
  return match[2] ? Number(match[1]) / 100 : Number(match[1]);
}

/** "0.5pp" -> 0.005 (percentage points); a bare fraction is taken as is. */
function points(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(pp|%)?$/.exec(text.trim());
  if (!match) throw new UsageError(`drill gate --${flag}: "${text}" is not an increase in percentage points; write e.g. 0.5pp`);
  return match[2] ? Number(match[1]) / 100 : Number(match[1]);
}

export const gateCommand = defineCommand({
  name: 'gate',
  summary: 'Release gate: compare a run against a baseline per route and overall; regressions beyond tolerance fail',
  flags: {
    baseline: { type: 'path', valueName: 'RUN', description: 'The baseline run (directory or run.json; default: the saved baseline)' },
    current: { type: 'path', valueName: 'RUN', description: 'The run to judge (directory or run.json)' },
    'max-p95-regression': { type: 'string', valueName: 'PCT', default: '10%', description: 'How much p95 may grow' },
    'max-p99-regression': { type: 'string', valueName: 'PCT', default: '20%', description: 'How much p99 may grow' },
    'max-error-rate-increase': { type: 'string', valueName: 'PP', default: '0.5pp', description: 'How much the error rate may grow, in percentage points' },
    'min-throughput-ratio': { type: 'string', valueName: 'RATIO', default: '0.95', description: 'Current throughput at least this share of the baseline' },
    'max-recovery-increase': { type: 'duration', default: '30s', description: 'How much longer the queue may take to recover' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory for the gate record (default: reports/runs/<time>-gate)' },
  },
  examples: ['drill gate --baseline reports/baseline --current reports/runs/2026-11-29T09-00-00Z-stress --max-p95-regression 10%'],
  async run({ flags }, ctx) {
    const ratio = flags['min-throughput-ratio'] === undefined ? undefined : Number(flags['min-throughput-ratio']);
    if (ratio !== undefined && !(ratio > 0)) throw new UsageError(`drill gate --min-throughput-ratio: "${flags['min-throughput-ratio']}" is not a positive number such as 0.95`);
    const config = await configFor(ctx, flags.config, {
      gate: {
        maxP95Regression: fraction('max-p95-regression', flags['max-p95-regression']),
        maxP99Regression: fraction('max-p99-regression', flags['max-p99-regression']),
        maxErrorRateIncrease: points('max-error-rate-increase', flags['max-error-rate-increase']),
        minThroughputRatio: ratio,
        maxRecoveryIncrease: flags['max-recovery-increase'] === undefined ? undefined : `${flags['max-recovery-increase']}ms`,
      },
    });
    if (!flags.current) throw new UsageError('drill gate: --current RUN is required (a stress run directory)');
    const baselineArg = flags.baseline ?? config.baseline ?? 'reports/baseline';
    if (!flags.baseline && !existsSync(path.resolve(ctx.cwd, baselineArg))) {
      throw new UsageError(`drill gate: no --baseline and no saved baseline at ${baselineArg}; save one with drill baseline save RUN`);
    }
    const baselineDir = runDirOf(ctx.cwd, baselineArg);
    const currentDir = runDirOf(ctx.cwd, flags.current);
    const baseline = readRecord(baselineDir);
    const current = readRecord(currentDir);
    return executeRun(ctx, 'gate', config, flags.out, async () => compareRuns(baseline, current, config, { baseline: baselineDir, current: currentDir }, ctx.signal));
  },
});

export const baselineSaveCommand = defineCommand({
  name: 'baseline save',
  summary: 'Store a blessed run as the release-gate baseline (where config `baseline` says, default reports/baseline)',
  positionals: [{ name: 'RUN', description: 'the run directory (or run.json) to bless', required: true }],
  flags: {
    to: { type: 'path', valueName: 'DIR', description: 'Where to store it (default: config baseline, else reports/baseline)' },
    config: { type: 'path', description: 'Config file' },
  },
  async run({ flags, positionals }, ctx) {
    const config = await configFor(ctx, flags.config, {});
    const source = runDirOf(ctx.cwd, positionals[0]!);
    const record = readRecord(source);
    if (record.kind !== 'stress') throw new UsageError(`drill baseline save: ${positionals[0]} is a ${record.kind} run; a baseline must be a stress run`);
    if (record.verdict !== 'pass') throw new UsageError(`drill baseline save: ${positionals[0]} did not pass (${record.verdict}); bless a passing run`);
    const target = path.resolve(ctx.cwd, flags.to ?? config.baseline ?? 'reports/baseline');
    mkdirSync(target, { recursive: true });
    for (const file of readdirSync(source)) {
      if (file === 'run.json' || file.endsWith('.ndjson') || file.startsWith('report.') || file === 'junit.xml') copyFileSync(path.join(source, file), path.join(target, file));
    }
    ctx.stdout.write(`baseline saved to ${target} (from ${record.startedAt}, profile ${(record.results.profile as { name?: string } | undefined)?.name ?? 'unknown'})\n`);
    return ExitCode.pass;
  },
});
