import { UsageError } from '../../core/errors.ts';
import { runCapacity } from '../../runs/capacity.ts';
import { fromConfig, asDuration } from '../flag-defaults.ts';
import { loadedConfigFor, logSourceFrom, outDirFor, reportRun, runInputsFrom } from '../run-helpers.ts';
import { LOAD_FLAGS, OUTPUT_FLAGS, defineCommand } from '../spec.ts';

/** `150`, `150/s` or `150rps`: requests per second. */
export function parseRate(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s|rps|req\/s)?\s*$/i.exec(text);
  if (!match || !(Number(match[1]) > 0)) throw new UsageError(`drill capacity ${flag}: "${text}" is not a rate; write requests per second, e.g. ${flag} 150/s`);
  return Number(match[1]);
}

export const capacityCommand = defineCommand({
  name: 'capacity',
  summary: 'Find the highest arrival rate the app sustains (the knee), what breaks first, and the headroom over the expected traffic',
  flags: {
    target: { type: 'url', description: 'Base URL of the CE Pro deployment (non-loopback hosts must be allow-listed)' },
    expect: { type: 'string', valueName: 'RATE', description: 'The traffic you expect, e.g. 150/s: the report gives the headroom against it, and fails below it' },
    'start-rate': { type: 'string', valueName: 'RATE', default: fromConfig('capacity.startRate', (v) => `${v}/s`), description: "The first step's arrival rate" },
    'max-rate': { type: 'string', valueName: 'RATE', default: fromConfig('capacity.maxRate', (v) => `${v}/s`), description: 'The highest rate the search may ask for (also capped by limits.maxRatePerSecond)' },
    'step-factor': { type: 'string', valueName: 'X', default: fromConfig('capacity.stepFactor'), description: 'Each ramp step multiplies the rate by this' },
    hold: { type: 'duration', default: fromConfig('capacity.hold', asDuration), description: 'How long each step is held before it is judged' },
    precision: { type: 'string', valueName: 'FRACTION', default: fromConfig('capacity.precision'), description: 'Bisect until the knee is bracketed within this fraction (0.05: 5 %)' },
    'max-duration': { type: 'duration', default: fromConfig('capacity.maxDuration', asDuration), description: 'The whole search stops by this' },
    'max-in-flight': { type: 'int', min: 1, max: 1_000_000, default: fromConfig('stress.maxInFlight'), valueName: 'N', description: 'Most requests in flight; arrivals beyond it are dropped (a broken step)' },
    ...LOAD_FLAGS,
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-capacity)' },
    ...OUTPUT_FLAGS,
  },
  details: `Open model: arrivals per second, sent whatever the answers do. Each step is held for
--hold and judged; the search stops raising the rate at the first of: a threshold broken
(capacity.thresholds and thresholds), a runbook alert firing, the job backlog growing through
the step, requests piling up (in flight growing: the app answers fewer than arrive, or
arrivals dropped at --max-in-flight), the error rate over capacity.maxErrorRate. It then
bisects to the knee. When the load generator itself saturates, the verdict is "invalid":
generator-limited at N/s, never reported as the app's limit. Exit 0 when the knee was found
(and, with --expect, is at or above it), 1 below --expect or invalid.`,
  examples: [
    'drill sandbox --fault capacity:100 --write-cookie-pool cookies.txt &',
    'CRON_SECRET=drill-sandbox-cron-secret drill capacity --target http://127.0.0.1:3999 --cookies cookies.txt --expect 40/s',
  ],
  async run({ flags }, ctx) {
    const logs = logSourceFrom('capacity', ctx, flags);
    const expect = parseRate('--expect', flags.expect);
    const startRate = parseRate('--start-rate', flags['start-rate']);
    const maxRate = parseRate('--max-rate', flags['max-rate']);
    const number = (flag: string, text: string | undefined) => {
      if (text === undefined) return undefined;
      const n = Number(text);
      if (!Number.isFinite(n)) throw new UsageError(`drill capacity ${flag}: "${text}" is not a number; e.g. ${flag === '--precision' ? '0.05' : '1.5'}`);
      return n;
    };
    const config = await loadedConfigFor(ctx, flags.config, {});
    if (!flags.target && !config.config.target) throw new UsageError('drill capacity: --target is required (or set target in drill.config); e.g. --target http://127.0.0.1:3999');
    const dir = outDirFor(ctx, config.config, flags.out, 'capacity');
    return reportRun(
      ctx,
      dir,
      runCapacity({
        ...runInputsFrom(ctx, config, dir), target: flags.target, expect, startRate, maxRate,
        stepFactor: number('--step-factor', flags['step-factor']), holdMs: flags.hold, precision: number('--precision', flags.precision),
        maxDurationMs: flags['max-duration'], maxInFlight: flags['max-in-flight'], cookies: flags.cookies, scenario: flags.scenario, logs,
        allowTargets: flags['allow-target'] ?? [], readOnly: flags['read-only'] || undefined, allowWrites: flags['allow-writes'] || undefined,
        workers: flags.workers,
      }),
    );
  },
});
