import { describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands/index.ts';
import { commandHelp } from '../../cli/help.ts';
import { parseConfig } from '../../config/load.ts';
import { formatDuration } from '../../core/duration.ts';
import { SandboxOptions } from '../../sandbox/options.ts';
import { alertSettings } from '../../signals/alerts/rules.ts';

const spec = (name: string) => commands.find((c) => c.name === name)!;
const config = parseConfig({});
const sandbox = SandboxOptions.parse({});

// Flags that set a value some schema also holds: their help default must come from that
// schema (a function), never a literal that can drift from what the code applies.
const SCHEMA_BACKED: [command: string, flag: string, expected: string][] = [
  ['watch', 'interval', formatDuration(config.watch.interval)],
  ['validate', 'window', formatDuration(config.validate.window)],
  ['validate', 'drain-timeout', formatDuration(config.validate.drainTimeout)],
  ['gate', 'max-p95-regression', `${config.gate.maxP95Regression * 100}%`],
  ['gate', 'max-p99-regression', `${config.gate.maxP99Regression * 100}%`],
  ['gate', 'max-error-rate-increase', `${config.gate.maxErrorRateIncrease * 100}pp`],
  ['gate', 'min-throughput-ratio', String(config.gate.minThroughputRatio)],
  ['gate', 'max-recovery-increase', formatDuration(config.gate.maxRecoveryIncrease)],
  ['demo', 'out', config.outDir],
  ['logs', 'cron-period', formatDuration(alertSettings(config, 'worker_cron_failing').cronPeriodMs)],
  ['sandbox', 'port', String(sandbox.port)],
  ['sandbox', 'host', sandbox.host],
  ['sandbox', 'cron-interval', formatDuration(sandbox.cronInterval)],
];

describe('help reads defaults from the schemas', () => {
  it.each(SCHEMA_BACKED)('drill %s --%s shows the schema default', (command, flag, expected) => {
    const declared = spec(command).flags[flag]!;
    expect(typeof declared.default).toBe('function');
    const line = commandHelp(spec(command)).split('\n').find((l) => l.trimStart().startsWith(`--${flag} `))!;
    expect(line).toContain(`(default ${expected})`);
  });

  it('literal defaults are left only for flags no schema holds', () => {
    const literal = commands.flatMap((c) => Object.entries(c.flags).filter(([, f]) => typeof f.default === 'string').map(([name]) => `${c.name} --${name}`));
    expect(literal.sort()).toEqual([
      'alerts export --format',
      'gate --profile',
      'k6 export --parallelism',
      'sandbox --sessions',
      'stress --engine',
      'trend --max-p-value',
      'trend --recent',
      'trend --window',
    ]);
  });
});
