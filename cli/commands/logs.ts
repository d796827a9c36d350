import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { requireFile } from '../../core/fs.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { LogAnalyzer } from '../../signals/logs/analyze.ts';
import { renderLogAnswers } from '../../reports/logs.ts';
import { readLogStream } from '../../signals/logs/sources.ts';
import { parseConfig } from '../../config/load.ts';
import { alertSettings } from '../../signals/alerts/rules.ts';
import { asDuration, fromAlert } from '../flag-defaults.ts';
import { defineCommand } from '../spec.ts';

export const logsCommand = defineCommand({
  name: 'logs',
  summary: "Answer the runbook's four questions from CE Pro's JSON logs (a file, or - for stdin)",
  positionals: [{ name: 'FILE', description: 'a JSON-lines log file, or - for stdin', required: true }],
  flags: {
    'cron-period': { type: 'duration', default: fromAlert('worker_cron_failing', 'cronPeriodMs', asDuration), description: 'The worker cron period; gaps longer than twice it are listed' },
    json: { type: 'boolean', description: 'Print the answers as JSON' },
  },
  examples: ['drill logs app.log', 'vercel logs --json | drill logs -'],
  async run({ flags, positionals }, ctx) {
    const file = positionals[0]!;
    const analyzer = new LogAnalyzer(2 * (flags['cron-period'] ?? alertSettings(parseConfig({}), 'worker_cron_failing').cronPeriodMs));
    let stream: NodeJS.ReadableStream;
    if (file === '-') {
      stream = process.stdin;
    } else {
      const full = path.resolve(ctx.cwd, file);
      if (!existsSync(full)) throw new UsageError(`drill logs: no such file ${file}`);
      requireFile(full, 'drill logs');
      stream = createReadStream(full);
    }
    await readLogStream(stream as import('node:stream').Readable, (parsed) => analyzer.observeLine(parsed));
    const answers = analyzer.answers();
    ctx.stdout.write(flags.json ? `${JSON.stringify(answers, null, 2)}\n` : `${renderLogAnswers(answers).join('\n')}\n`);
    return ExitCode.pass;
  },
});
