import path from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { secrets } from '../../core/secrets.ts';
import { validateCutover } from '../../runs/validate.ts';
import { readCookiePool } from '../../scenarios/sessions/pool.ts';
import { configFor, cronSecretFrom, executeRun, logSourceFrom, requireTarget } from '../run-helpers.ts';
import { defineCommand } from '../spec.ts';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Cutover checklist after a region move: health, queue, worker, project, backups, restore readiness, data parity',
  flags: {
    target: { type: 'url', description: 'Base URL of the new CE Pro environment' },
    'database-url': { type: 'string', valueName: 'URL', description: 'New database (default: $DATABASE_URL)' },
    'source-database-url': { type: 'string', valueName: 'URL', description: 'Old database (default: $SOURCE_DATABASE_URL)' },
    'supabase-project-ref': { type: 'string', valueName: 'REF', description: 'The new Supabase project ref' },
    'supabase-api-url': { type: 'url', description: 'Management API base URL (default: https://api.supabase.com)' },
    'expect-region': { type: 'string', valueName: 'REGION', description: 'The region the new project must be in, e.g. eu-central-1' },
    window: { type: 'duration', default: '2m', description: 'How long health, queue and dead-letter are observed' },
    'drain-timeout': { type: 'duration', default: '5m', description: 'How long the queue may take to drain back to normal' },
    readiness: { type: 'path', description: 'Backup and restore readiness record (YAML or JSON)' },
    'cutover-at': { type: 'string', valueName: 'TIME', description: 'When traffic moved (ISO 8601); the old database must show no jobs worked after it' },
    cookies: { type: 'path', description: 'Cookie pool, for a canary through the app route when no database is given' },
    logs: { type: 'path', description: 'Follow the new app JSON log file during the window' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-validate)' },
  },
  details: `Secrets from the environment: CRON_SECRET (queue snapshot), DATABASE_URL and
SOURCE_DATABASE_URL (unless given as flags), SUPABASE_ACCESS_TOKEN (a read-only token is
enough; only GET endpoints are called). A check whose inputs are missing is skipped with the
reason; one that cannot run (refused, 401/403, 429 after backing off) is an error and fails.`,
  examples: [
    'drill validate --target https://app.cepro.example --supabase-project-ref abcd --expect-region eu-central-1 --cutover-at 2026-11-29T09:00:00Z --readiness ops/restore-readiness.yml',
  ],
  async run({ flags }, ctx) {
    let cutoverAt: Date | undefined;
    if (flags['cutover-at'] !== undefined) {
      cutoverAt = new Date(flags['cutover-at']);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(flags['cutover-at']) || Number.isNaN(cutoverAt.getTime())) {
        throw new UsageError(`drill validate --cutover-at: "${flags['cutover-at']}" is not an ISO 8601 time; use e.g. 2026-11-29T09:00:00Z`);
      }
    }
    const overrides: Record<string, unknown> = { validate: { window: ms(flags.window), drainTimeout: ms(flags['drain-timeout']) } };
    const config = await configFor(ctx, flags.config, overrides);
    const target = requireTarget('validate', flags.target, config);
    const databaseUrl = flags['database-url'] ?? (ctx.env.DATABASE_URL || undefined);
    const sourceDatabaseUrl = flags['source-database-url'] ?? (ctx.env.SOURCE_DATABASE_URL || undefined);
    for (const [flag, url] of [['--database-url', databaseUrl], ['--source-database-url', sourceDatabaseUrl]] as const) {
      secrets.add(url);
      if (url && !/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`drill validate ${flag}: not a postgres:// connection URL`);
    }
    return executeRun(ctx, 'validate', config, flags.out, (runDir) =>
      validateCutover({
        config,
        target,
        cronSecret: cronSecretFrom(ctx),
        databaseUrl,
        sourceDatabaseUrl,
        supabaseToken: ctx.env.SUPABASE_ACCESS_TOKEN || undefined,
        projectRef: flags['supabase-project-ref'],
        supabaseApiUrl: flags['supabase-api-url'],
        expectRegion: flags['expect-region'],
        readinessFile: flags.readiness ? path.resolve(ctx.cwd, flags.readiness) : undefined,
        cutoverAt,
        cookies: flags.cookies ? readCookiePool(ctx.cwd, flags.cookies) : [],
        logs: logSourceFrom('validate', ctx, flags),
        runDir,
        signal: ctx.signal,
        onProgress: (line) => ctx.stderr.write(`${line}\n`),
      }),
    );
  },
});

function ms(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `${value}ms`;
}
