import { copyFileSync, readdirSync } from 'node:fs';
import { makeDirectory } from '../../core/fs.ts';
import path from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { readRecord, runDirOf } from '../../record/read.ts';
import { stressResultsOf } from '../../record/run-record.ts';
import { compareRuns } from '../../runs/gate.ts';
import { liveGate } from '../../runs/live-gate.ts';
import { PROFILE_NAMES, profileNamed } from '../../scenarios/profiles.ts';
import { configFor, cronSecretFrom, loadedConfigFor, outDirFor, reportRun, runInputsFrom } from '../run-helpers.ts';
import { asDuration, asPercent, asPoints, fromConfig } from '../flag-defaults.ts';
import { OUTPUT_FLAGS, defineCommand } from '../spec.ts';

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
  summary: 'Release gate: a run against a baseline, or a candidate against the current release side by side; per route and overall, pass / fail / inconclusive',
  details:
    'Two forms. Stored: --current RUN against --baseline RUN (or the saved baseline). Live A/B: --control URL --candidate URL loads both deployments in the same window with the same schedule, requests interleaved, and judges the candidate against the control; noise on the machine hits both alike. Each comparison is an estimate with an interval at --confidence: pass when the whole interval is within tolerance, fail when it is wholly beyond, inconclusive (exit 4) otherwise, saying the smallest regression the data could detect and how much longer a run would need.',
  flags: {
    baseline: { type: 'path', valueName: 'RUN', description: 'The baseline run (directory or run.json; default: the saved baseline)' },
    current: { type: 'path', valueName: 'RUN', description: 'The run to judge (directory or run.json)' },
    control: { type: 'url', description: 'Live A/B: the deployment running the current release (config gate.control)' },
    candidate: { type: 'url', description: 'Live A/B: the deployment to judge (config gate.candidate)' },
    profile: { type: 'string', valueName: 'NAME', default: 'pricing', description: `Live A/B: the load each deployment gets (${PROFILE_NAMES.join(', ')})` },
    users: { type: 'int', valueName: 'N', min: 1, description: 'Live A/B: peak users per deployment (scales the profile)' },
    duration: { type: 'duration', description: "Live A/B: total load time (scales the profile's stages)" },
    cookies: { type: 'path', valueName: 'FILE', description: 'Live A/B: cookie pool; both deployments must accept the sessions' },
    scenario: { type: 'path', valueName: 'FILE', description: 'Live A/B: scenario file (default: the CE Pro route mix)' },
    'allow-target': { type: 'string', valueName: 'HOST', multiple: true, description: 'Live A/B: allow loading this host, besides targets.allow' },
    'read-only': { type: 'boolean', description: 'Live A/B: leave out the write routes' },
    'allow-writes': { type: 'boolean', description: 'Live A/B: send write routes to non-loopback deployments (they enqueue real jobs)' },
    workers: { type: 'int', valueName: 'N', min: 1, max: 64, description: 'Live A/B: load worker threads' },
    confidence: { type: 'string', valueName: 'LEVEL', default: fromConfig('gate.confidence'), description: 'How sure a pass or fail must be (gate.confidence), e.g. 0.95 or 95%' },
    'max-latency-shift': { type: 'string', valueName: 'PCT', default: fromConfig('gate.maxLatencyShift', asPercent), description: 'How much the whole latency distribution may shift (Hodges-Lehmann)' },
    'max-p95-regression': { type: 'string', valueName: 'PCT', default: fromConfig('gate.maxP95Regression', asPercent), description: 'How much p95 may grow' },
    'max-p99-regression': { type: 'string', valueName: 'PCT', default: fromConfig('gate.maxP99Regression', asPercent), description: 'How much p99 may grow' },
    'max-error-rate-increase': { type: 'string', valueName: 'PP', default: fromConfig('gate.maxErrorRateIncrease', asPoints), description: 'How much the error rate may grow, in percentage points' },
    'min-throughput-ratio': { type: 'string', valueName: 'RATIO', default: fromConfig('gate.minThroughputRatio'), description: 'Current throughput at least this share of the baseline' },
    'max-recovery-increase': { type: 'duration', default: fromConfig('gate.maxRecoveryIncrease', asDuration), description: 'How much longer the queue may take to recover' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory for the gate record (default: reports/runs/<time>-gate)' },
    ...OUTPUT_FLAGS,
  },
  examples: [
    'drill gate --baseline reports/baseline --current reports/runs/2026-11-29T09-00-00Z-stress --max-p95-regression 10%',
    'drill gate --control https://release.staging.example --candidate https://candidate.staging.example --allow-target release.staging.example --allow-target candidate.staging.example --cookies cookies.txt',
  ],
  async run({ flags }, ctx) {
    const ratio = flags['min-throughput-ratio'] === undefined ? undefined : Number(flags['min-throughput-ratio']);
    const confidence = fraction('confidence', flags.confidence);
    if (confidence !== undefined && !(confidence > 0.5 && confidence < 1)) throw new UsageError(`drill gate --confidence: "${flags.confidence}" must be between 0.5 and 1, e.g. 0.95 or 95%`);
    if (ratio !== undefined && !(ratio > 0)) throw new UsageError(`drill gate --min-throughput-ratio: "${flags['min-throughput-ratio']}" is not a positive number such as 0.95`);
    const config = await loadedConfigFor(ctx, flags.config, {
      gate: {
        maxP95Regression: fraction('max-p95-regression', flags['max-p95-regression']),
        maxP99Regression: fraction('max-p99-regression', flags['max-p99-regression']),
        maxErrorRateIncrease: points('max-error-rate-increase', flags['max-error-rate-increase']),
        minThroughputRatio: ratio,
        maxRecoveryIncrease: flags['max-recovery-increase'] === undefined ? undefined : `${flags['max-recovery-increase']}ms`,
        maxLatencyShift: fraction('max-latency-shift', flags['max-latency-shift']),
        confidence,
        control: flags.control,
        candidate: flags.candidate,
      },
    });
    const dir = outDirFor(ctx, config.config, flags.out, 'gate');
    const live = flags.control !== undefined || flags.candidate !== undefined || (!flags.current && !!config.config.gate.control);
    if (live) {
      if (flags.current || flags.baseline) throw new UsageError('drill gate: use --control/--candidate (live A/B) or --current/--baseline (stored), not both');
      return reportRun(ctx, dir, liveGate({
        ...runInputsFrom(ctx, config, dir),
        profile: profileNamed('drill gate', flags.profile ?? 'pricing'),
        users: flags.users, durationMs: flags.duration, cookies: flags.cookies, scenario: flags.scenario,
        cronSecret: cronSecretFrom(ctx), allowTargets: flags['allow-target'], workers: flags.workers,
        readOnly: flags['read-only'] || undefined, allowWrites: flags['allow-writes'] || undefined,
      }));
    }
    if (!flags.current) throw new UsageError('drill gate: --current RUN is required (a stress run directory), or --control URL --candidate URL for a live A/B gate');
    return reportRun(ctx, dir, compareRuns({ cwd: ctx.cwd, env: ctx.env, config, out: dir, baseline: flags.baseline, current: flags.current, signal: ctx.signal }));
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
    if (record.verdict === 'interrupted') throw new UsageError(`drill baseline save: ${positionals[0]} was interrupted (${record.interrupted?.signal ?? 'a signal'}): a partial run is never a baseline; bless a complete, passing run`);
    if (record.verdict !== 'pass') throw new UsageError(`drill baseline save: ${positionals[0]} did not pass (${record.verdict}); bless a passing run`);
    const requests = stressResultsOf(record)?.load?.overall.requests ?? 0;
    if (requests < config.stress.minRequests) {
      throw new UsageError(`drill baseline save: ${positionals[0]} has ${requests} requests, fewer than stress.minRequests (${config.stress.minRequests}): too few to compare a release against; bless a longer run`);
    }
    const target = path.resolve(ctx.cwd, flags.to ?? config.baseline ?? 'reports/baseline');
    makeDirectory(target, '--to');
    for (const file of readdirSync(source)) {
      if (file === 'run.json' || file.endsWith('.ndjson') || file.startsWith('report.') || file === 'junit.xml') copyFileSync(path.join(source, file), path.join(target, file));
    }
    ctx.stdout.write(`baseline saved to ${target} (from ${record.startedAt}, profile ${stressResultsOf(record)?.profile?.name ?? 'unknown'})\n`);
    return ExitCode.pass;
  },
});
