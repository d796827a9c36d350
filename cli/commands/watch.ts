import { runWatch } from '../../runs/watch.ts';
import { checkDuration, configFor, executeRun, logSourceFrom, requireTarget } from '../run-helpers.ts';
import { defineCommand } from '../spec.ts';

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'Watch health, the queue snapshot and logs for a while; judge with the runbook alerts',
  flags: {
    target: { type: 'url', description: 'Base URL of the CE Pro deployment' },
    duration: { type: 'duration', description: 'How long to watch, e.g. 10m' },
    interval: { type: 'duration', default: '5s', description: 'Time between health samples (at least 250ms)' },
    logs: { type: 'path', description: 'Follow this JSON log file (- for stdin)' },
    'log-drain': { type: 'int', min: 0, max: 65535, valueName: 'PORT', description: 'Open a log-drain endpoint on this port (0 picks one)' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-watch)' },
  },
  details: `CRON_SECRET from the environment is sent as the bearer so the health answer includes
the queue snapshot. Exit 1 if any alert fired or the samples could not be read.`,
  examples: ['CRON_SECRET=… drill watch --target https://staging.cepro.example --duration 30m --log-drain 8089'],
  async run({ flags }, ctx) {
    const config = await configFor(ctx, flags.config, { watch: flags.interval !== undefined ? { interval: `${flags.interval}ms` } : undefined });
    const target = requireTarget('watch', flags.target, config);
    const durationMs = checkDuration('watch', flags.duration, config);
    const logs = logSourceFrom('watch', ctx, flags);
    return executeRun(ctx, 'watch', config, flags.out, (runDir) =>
      runWatch({
        config,
        target,
        durationMs,
        cronSecret: ctx.env.CRON_SECRET || undefined,
        logs,
        runDir,
        signal: ctx.signal,
        onProgress: (line) => ctx.stderr.write(`${line}\n`),
      }),
    );
  },
});
