import { UsageError } from '../../core/errors.ts';
import { runWatch } from '../../runs/watch.ts';
import { loadedConfigFor, logSourceFrom, outDirFor, reportRun, runInputsFrom } from '../run-helpers.ts';
import { asDuration, fromConfig } from '../flag-defaults.ts';
import { OUTPUT_FLAGS, defineCommand } from '../spec.ts';

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'Watch health, the queue snapshot and logs for a while; judge with the runbook alerts',
  flags: {
    target: { type: 'url', description: 'Base URL of the CE Pro deployment' },
    duration: { type: 'duration', description: 'How long to watch, e.g. 10m' },
    interval: { type: 'duration', default: fromConfig('watch.interval', asDuration), description: 'Time between health samples (at least 250ms)' },
    logs: { type: 'path', description: 'Follow this JSON log file (- for stdin)' },
    'log-drain': { type: 'int', min: 0, max: 65535, valueName: 'PORT', description: 'Open a log-drain endpoint on this port (0 picks one)' },
    'k6-summary': { type: 'path', multiple: true, valueName: 'FILE', description: 'k6 summaries of the load that ran alongside; merged into this record and judged by the config thresholds' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-watch)' },
    ...OUTPUT_FLAGS,
  },
  details: `CRON_SECRET from the environment is sent as the bearer so the health answer includes
the queue snapshot. Exit 1 if any alert fired or the samples could not be read.`,
  examples: ['CRON_SECRET=… drill watch --target https://staging.cepro.example --duration 30m --log-drain 8089'],
  async run({ flags }, ctx) {
    const config = await loadedConfigFor(ctx, flags.config, { watch: flags.interval !== undefined ? { interval: `${flags.interval}ms` } : undefined });
    if (flags.duration === undefined) throw new UsageError('drill watch: --duration is required; e.g. --duration 5m');
    const logs = logSourceFrom('watch', ctx, flags);
    const dir = outDirFor(ctx, config.config, flags.out, 'watch');
    return reportRun(
      ctx,
      dir,
      runWatch({
        ...runInputsFrom(ctx, config, dir),
        target: flags.target,
        durationMs: flags.duration,
        logs,
        k6Summaries: flags['k6-summary'],
      }),
    );
  },
});
