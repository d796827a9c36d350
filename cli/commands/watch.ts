import path from 'node:path';
import { withK6Results } from '../../k6/record.ts';
import { runWatch } from '../../runs/watch.ts';
import { defaultScenario } from '../../scenarios/load.ts';
import { checkDuration, configFor, cronSecretFrom, executeRun, logSourceFrom, requireTarget } from '../run-helpers.ts';
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
    'k6-summary': { type: 'path', multiple: true, valueName: 'FILE', description: 'k6 summaries of the load that ran alongside; merged into this record and judged by the config thresholds' },
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
    const k6Files = (flags['k6-summary'] ?? []).map((f) => path.resolve(ctx.cwd, f));
    return executeRun(ctx, 'watch', config, flags.out, async (runDir) => {
      const record = await runWatch({
        config,
        target,
        durationMs,
        cronSecret: cronSecretFrom(ctx),
        logs,
        runDir,
        signal: ctx.signal,
        onProgress: (line) => ctx.stderr.write(`${line}\n`),
      });
      // The summaries are read after the watch: k6 writes them when its run ends.
      return k6Files.length ? withK6Results(record, k6Files, defaultScenario(), {}, config) : record;
    });
  },
});
