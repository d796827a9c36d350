import { writeFileSync } from 'node:fs';
import { makeDirectory } from '../../core/fs.ts';
import path from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { renderTrendHtml, renderTrendText } from '../../reports/trend.ts';
import { analyzeTrend } from '../../runs/trend.ts';
import { defineCommand } from '../spec.ts';

export const trendCommand = defineCommand({
  name: 'trend',
  summary: 'Nightly trend: change points per route and metric across run records (E-divisive means), where each regression began, and a chart',
  positionals: [{ name: 'DIR', description: 'run directories, or directories holding them', required: true, variadic: true }],
  flags: {
    out: { type: 'path', valueName: 'DIR', description: 'Where trend.html and trend.json go (default: reports/trend)' },
    recent: { type: 'int', valueName: 'N', min: 1, default: '7', description: 'Exit 1 when a regression began within the newest N runs' },
    window: { type: 'int', valueName: 'N', min: 2, default: '30', description: 'E-divisive window length, in runs' },
    'max-p-value': { type: 'string', valueName: 'P', default: '0.01', description: 'Significance a change point needs' },
  },
  examples: ['drill trend nightly-history/ --out reports/trend'],
  async run({ flags, positionals }, ctx) {
    const p = flags['max-p-value'] === undefined ? undefined : Number(flags['max-p-value']);
    if (p !== undefined && !(p > 0 && p < 1)) throw new UsageError(`drill trend --max-p-value: "${flags['max-p-value']}" must be between 0 and 1, e.g. 0.01`);
    const report = analyzeTrend({ dirs: positionals, cwd: ctx.cwd, windowLength: flags.window, maxPValue: p, recent: flags.recent });
    const out = path.resolve(ctx.cwd, flags.out ?? 'reports/trend');
    makeDirectory(out, '--out');
    writeFileSync(path.join(out, 'trend.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(out, 'trend.html'), renderTrendHtml(report));
    ctx.stdout.write(`${renderTrendText(report)}chart: ${path.join(out, 'trend.html')}\n`);
    return report.recentRegressions.length ? ExitCode.fail : ExitCode.pass;
  },
});
