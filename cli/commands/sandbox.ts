import path from 'node:path';
import { CannotRunError, UsageError, describeError } from '../../core/errors.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { FAULT_KINDS, FaultParseError, parseFault } from '../../sandbox/faults.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { SANDBOX_DEFAULT_CRON_SECRET, SandboxOptions, type SandboxOptionsInput } from '../../sandbox/options.ts';

/** Where each sandbox option comes from, for errors that say what to fix. */
const OPTION_SOURCES: Record<string, string> = {
  cronSecret: 'CRON_SECRET',
  controlSecret: 'SANDBOX_CONTROL_SECRET',
  jwtSecret: 'SANDBOX_JWT_SECRET',
  supabaseAccessToken: 'SUPABASE_ACCESS_TOKEN',
  databaseUrl: '--database-url (or DATABASE_URL)',
  authIssuer: '--auth-issuer',
  sessionTtl: '--token-lifetime',
};

/** PGlite's data directory: created when missing; a file there is a usage error. */
function dataDirectory(dir: string): string {
  makeDirectory(dir, '--data-dir');
  return dir;
}

function describeOption(issue: { path: PropertyKey[]; message: string; code: string; minimum?: unknown }): string {
  const key = String(issue.path[0] ?? '');
  const where = OPTION_SOURCES[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (issue.code === 'too_small' && typeof issue.minimum === 'number') return `${where} must be at least ${issue.minimum} characters`;
  return `${where}: ${issue.message}`;
}
import { asDuration, fromSandbox } from '../flag-defaults.ts';
import { defineCommand } from '../spec.ts';
import { writeCookiePool } from '../../scenarios/sessions/pool.ts';
import { makeDirectory } from '../../core/fs.ts';
import { cronSecretFrom } from '../run-helpers.ts';

export const sandboxCommand = defineCommand({
  name: 'sandbox',
  summary: 'Run the reference CE Pro stand-in (job queue, health, admin routes, auth, Management API fake)',
  stopsOnSignal: true,
  flags: {
    port: { type: 'int', min: 0, max: 65535, default: fromSandbox('port'), valueName: 'N', description: 'Port to listen on (0 picks a free one)' },
    host: { type: 'string', default: fromSandbox('host'), valueName: 'HOST', description: 'Address to bind' },
    fault: { type: 'string', multiple: true, valueName: 'KIND', description: `Inject a fault: ${FAULT_KINDS.join(', ')}` },
    'write-cookie-pool': { type: 'path', description: 'Write ready admin session cookies to FILE (one Cookie header per line)' },
    sessions: { type: 'int', min: 1, max: 100_000, default: '50', description: 'How many sessions --write-cookie-pool writes' },
    'database-url': { type: 'string', valueName: 'URL', description: 'Real Postgres (default: $DATABASE_URL, else embedded PGlite)' },
    'db-port': { type: 'int', min: 0, max: 65535, description: 'Expose the embedded database to pg clients on this port' },
    'data-dir': { type: 'path', description: 'Keep the embedded database in this directory (default: in memory)' },
    'cron-interval': { type: 'duration', default: fromSandbox('cronInterval', asDuration), description: 'How often the platform cron calls the worker' },
    'token-lifetime': { type: 'duration', default: fromSandbox('sessionTtl', asDuration), description: 'How long its access tokens live (Supabase: 1h); refresh tokens renew them' },
    'log-file': { type: 'path', description: 'Write the app JSON logs here instead of stdout' },
    'auth-issuer': { type: 'url', description: 'Session issuer shared with another sandbox (with the same SANDBOX_JWT_SECRET): each accepts the other\'s sessions, like two deployments of one project (live A/B)' },
  },
  details: `Secrets come from the environment: CRON_SECRET (default: the sandbox's well-known
development secret "${SANDBOX_DEFAULT_CRON_SECRET}"), SANDBOX_CONTROL_SECRET (enables the
/__sandbox control routes), SANDBOX_JWT_SECRET (default: random per start).`,
  examples: [
    'drill sandbox',
    'drill sandbox --port 0 --fault job-fails:webhook_delivery --fault latency:/api/admin/jobs:300',
    'drill sandbox --write-cookie-pool cookies.txt --sessions 200',
  ],
  async run({ flags }, ctx) {
    for (const fault of flags.fault ?? []) {
      try {
        parseFault(fault);
      } catch (error) {
        if (error instanceof FaultParseError) throw new UsageError(`drill sandbox --fault: ${error.message}`);
        throw error;
      }
    }
    if (flags.sessions !== undefined && !flags['write-cookie-pool']) {
      throw new UsageError('drill sandbox --sessions: only meaningful with --write-cookie-pool FILE');
    }
    const input: SandboxOptionsInput = {
      host: flags.host,
      port: flags.port,
      faults: flags.fault,
      databaseUrl: flags['database-url'] ?? ctx.env.DATABASE_URL,
      dbPort: flags['db-port'],
      dataDir: flags['data-dir'] ? dataDirectory(path.resolve(ctx.cwd, flags['data-dir'])) : undefined,
      cronInterval: flags['cron-interval'] !== undefined ? `${flags['cron-interval']}ms` : undefined,
      sessionTtl: flags['token-lifetime'] !== undefined ? `${flags['token-lifetime']}ms` : undefined,
      logFile: flags['log-file'] ? path.resolve(ctx.cwd, flags['log-file']) : undefined,
      cronSecret: cronSecretFrom(ctx),
      controlSecret: ctx.env.SANDBOX_CONTROL_SECRET || undefined,
      jwtSecret: ctx.env.SANDBOX_JWT_SECRET || undefined,
      authIssuer: flags['auth-issuer'],
      supabaseAccessToken: ctx.env.SUPABASE_ACCESS_TOKEN || undefined,
    };
    // Options come from flags and the environment: a bad one is one line naming where it
    // came from (never its value: some are secrets), before anything starts.
    const checked = SandboxOptions.safeParse(input);
    if (!checked.success) throw new UsageError(`drill sandbox: ${checked.error.issues.map(describeOption).join('; ')}`, 'E_SANDBOX_OPTIONS');
    let sandbox: Sandbox;
    try {
      sandbox = await startSandbox(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CannotRunError(`drill sandbox: port ${flags.port ?? fromSandbox('port')()} is in use; pass --port 0 or another port`);
      throw new CannotRunError(`drill sandbox: could not start (${describeError(error)})`, 'E_SANDBOX_START', { cause: error });
    }
    try {
      if (flags['write-cookie-pool']) {
        const file = path.resolve(ctx.cwd, flags['write-cookie-pool']);
        const cookies = await sandbox.mintCookies(flags.sessions ?? 50);
        writeCookiePool(file, cookies);
        ctx.stdout.write(`drill sandbox: wrote ${cookies.length} session cookies to ${file}\n`);
      }
      const db = sandbox.databaseUrl ? `, database ${sandbox.databaseUrl}` : `, database ${sandbox.db.kind}`;
      const cron = ctx.env.CRON_SECRET ? 'CRON_SECRET from the environment' : 'the well-known sandbox CRON_SECRET';
      ctx.stdout.write(`drill sandbox ready at ${sandbox.url} (${cron}${db})\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await sandbox.stop();
    }
    return ExitCode.pass;
  },
});
