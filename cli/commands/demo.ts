import path from 'node:path';
import { ExitCode } from '../../core/exit-codes.ts';
import { runDemo } from '../../runs/demo.ts';
import { fromConfig } from '../flag-defaults.ts';
import { defineCommand } from '../spec.ts';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Show the uses on the embedded sandbox: a stress drill, a local region move and its cutover validation, a release gate, a restore drill',
  flags: {
    out: { type: 'path', valueName: 'DIR', default: fromConfig('outDir'), description: 'Where the run directories go' },
  },
  details: 'Needs no services: the sandbox runs on PGlite in-process. Takes about a minute and a half.',
  async run({ flags }, ctx) {
    const steps = await runDemo({
      outRoot: path.resolve(ctx.cwd, flags.out ?? fromConfig('outDir')()),
      signal: ctx.signal,
      progress: (line) => ctx.stderr.write(`${line}\n`),
    });
    const lines = ['', 'drill demo:'];
    for (const s of steps) lines.push(`  ${s.verdict.toUpperCase().padEnd(7)} ${s.name}: ${s.summary}`, `          report: ${s.dir}`);
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return steps.length > 0 && steps.every((s) => s.verdict === 'pass') ? ExitCode.pass : ExitCode.fail;
  },
});
