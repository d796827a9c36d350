import { UsageError } from '../../core/errors.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { prometheusRules } from '../../signals/alerts/prometheus.ts';
import { configFor } from '../run-helpers.ts';
import { defineCommand } from '../spec.ts';

export const alertsExportCommand = defineCommand({
  name: 'alerts export',
  summary: 'Print the runbook alert rules for production monitoring (Prometheus rule file)',
  flags: {
    format: { type: 'string', default: 'prometheus', valueName: 'FORMAT', description: 'Output format: prometheus' },
    config: { type: 'path', description: 'Config file whose alert overrides apply' },
  },
  examples: ['drill alerts export --format prometheus > cepro-alerts.yml && promtool check rules cepro-alerts.yml'],
  async run({ flags }, ctx) {
    const format = flags.format ?? 'prometheus';
    if (format !== 'prometheus') throw new UsageError(`drill alerts export --format: "${format}" is not supported; use prometheus`);
    const config = await configFor(ctx, flags.config, {});
    ctx.stdout.write(prometheusRules(config));
    return ExitCode.pass;
  },
});
