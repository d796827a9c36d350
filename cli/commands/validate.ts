import { validateCutover } from '../../runs/validate.ts';
import { loadedConfigFor, logSourceFrom, outDirFor, refusePasswordFlag, reportRun, runInputsFrom } from '../run-helpers.ts';
import { asDuration, fromConfig } from '../flag-defaults.ts';
import { OUTPUT_FLAGS, defineCommand } from '../spec.ts';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Cutover checklist after a region move: health, queue, worker, project, backups, restore readiness, data parity',
  flags: {
    target: { type: 'url', description: 'Base URL of the new CE Pro environment' },
    'database-url': { type: 'string', valueName: 'URL', description: 'New database without a password (default, and with one: $DATABASE_URL)' },
    'source-database-url': { type: 'string', valueName: 'URL', description: 'Old database without a password (default, and with one: $SOURCE_DATABASE_URL)' },
    'supabase-project-ref': { type: 'string', valueName: 'REF', description: 'The new Supabase project ref' },
    'supabase-api-url': { type: 'url', description: 'Management API base URL (default: https://api.supabase.com)' },
    'expect-region': { type: 'string', valueName: 'REGION', description: 'The region the new project must be in, e.g. eu-central-1' },
    window: { type: 'duration', default: fromConfig('validate.window', asDuration), description: 'How long health, queue and dead-letter are observed' },
    'drain-timeout': { type: 'duration', default: fromConfig('validate.drainTimeout', asDuration), description: 'How long the queue may take to drain back to normal' },
    readiness: { type: 'path', description: 'Backup and restore readiness record (YAML or JSON)' },
    'cutover-at': { type: 'string', valueName: 'TIME', description: 'When traffic moved (ISO 8601); the old database must show no jobs worked after it' },
    strict: { type: 'boolean', description: 'A skipped required check fails the run (default: on when CI is set; validate.strict)' },
    cookies: { type: 'path', description: 'Cookie pool, for a canary through the app route when no database is given' },
    logs: { type: 'path', description: 'Follow the new app JSON log file during the window' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-validate)' },
    ...OUTPUT_FLAGS,
  },
  details: `Secrets from the environment: CRON_SECRET (queue snapshot), DATABASE_URL and
SOURCE_DATABASE_URL (unless given as flags), SUPABASE_ACCESS_TOKEN (a read-only token is
enough; only GET endpoints are called). A check whose inputs are missing is skipped with the
reason; one that cannot run (refused, 401/403, 429 after backing off) is an error and fails.`,
  examples: [
    'drill validate --target https://app.cepro.example --supabase-project-ref abcd --expect-region eu-central-1 --cutover-at 2026-11-29T09:00:00Z --readiness ops/restore-readiness.yml',
  ],
  async run({ flags }, ctx) {
    refusePasswordFlag('validate', '--database-url', flags['database-url'], 'DATABASE_URL');
    refusePasswordFlag('validate', '--source-database-url', flags['source-database-url'], 'SOURCE_DATABASE_URL');
    const overrides: Record<string, unknown> = { validate: { window: ms(flags.window), drainTimeout: ms(flags['drain-timeout']) } };
    const config = await loadedConfigFor(ctx, flags.config, overrides);
    const dir = outDirFor(ctx, config.config, flags.out, 'validate');
    return reportRun(
      ctx,
      dir,
      validateCutover({
        ...runInputsFrom(ctx, config, dir),
        target: flags.target,
        databaseUrl: flags['database-url'],
        sourceDatabaseUrl: flags['source-database-url'],
        projectRef: flags['supabase-project-ref'],
        supabaseApiUrl: flags['supabase-api-url'],
        expectRegion: flags['expect-region'],
        readiness: flags.readiness,
        cutoverAt: flags['cutover-at'],
        cookies: flags.cookies,
        strict: flags.strict ? true : undefined,
        logs: logSourceFrom('validate', ctx, flags),
      }),
    );
  },
});

function ms(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `${value}ms`;
}
