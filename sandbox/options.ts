import { z } from 'zod';
import { Duration } from '../config/fields.ts';

/**
 * The sandbox's well-known development CRON_SECRET, used only when CRON_SECRET is unset,
 * in the way Supabase's local stack ships well-known keys. It guards a local stand-in.
 */
export const SANDBOX_DEFAULT_CRON_SECRET = 'drill-sandbox-cron-secret';
/** Letters only, like a real project ref. */
export const SANDBOX_PROJECT_REF = 'drillsandboxlocalref';

export const SandboxOptions = z.strictObject({
  host: z.string().prefault('127.0.0.1'),
  port: z.number().int().min(0).max(65535).prefault(3999),
  /** Real Postgres; with none, PGlite runs embedded in-process. */
  databaseUrl: z.string().optional(),
  /** PGlite data directory; in memory when absent. */
  dataDir: z.string().optional(),
  /** Expose embedded PGlite to pg clients on this port (0 picks one). */
  dbPort: z.number().int().min(0).max(65535).optional(),
  cronSecret: z.string().min(8).prefault(SANDBOX_DEFAULT_CRON_SECRET),
  /** Enables the /__sandbox control routes (faults, Management API state). */
  controlSecret: z.string().min(8).optional(),
  jwtSecret: z.string().min(16).optional(),
  /**
   * The sessions' issuer (default: this sandbox's own /auth/v1). Two sandboxes with the same
   * issuer and jwtSecret accept each other's sessions, as two deployments of one project do.
   */
  authIssuer: z.string().url().optional(),
  /** Token accepted by the Management API fake; any bearer when absent. */
  supabaseAccessToken: z.string().optional(),
  projectRef: z.string().regex(/^[a-z]+$/).prefault(SANDBOX_PROJECT_REF),
  region: z.string().prefault('us-east-1'),
  /** How often the sandbox's own scheduler calls the worker, like a platform cron. */
  cronInterval: Duration.prefault('2s'),
  batchSize: z.number().int().min(1).max(1000).prefault(25),
  workerConcurrency: z.number().int().min(1).max(100).prefault(5),
  /** Simulated work per job. */
  jobWork: Duration.prefault('5ms'),
  maxAttempts: z.number().int().min(1).max(20).prefault(4),
  backoffBase: Duration.prefault('1s'),
  backoffMax: Duration.prefault('5m'),
  /** A job processing longer than this is presumed abandoned and goes back to retrying. */
  leaseTimeout: Duration.prefault('2m'),
  /** Background jobs the app enqueues by itself every cron tick (emails, webhooks), so queues move. */
  ambientJobsPerTick: z.number().int().min(0).max(1000).prefault(2),
  /** Access-token lifetime (`--token-lifetime`); a refresh-token grant renews it, as GoTrue does. */
  sessionTtl: Duration.refine((ms) => ms >= 1000, { message: 'must be at least 1s' }).prefault('24h'),
  seed: z
    .strictObject({
      orgs: z.number().int().min(1).max(50).prefault(2),
      adminUsers: z.number().int().min(1).max(10_000).prefault(20),
      invoicesPerOrg: z.number().int().min(0).max(1_000_000).prefault(5000),
      completedJobsPerOrg: z.number().int().min(0).max(1_000_000).prefault(3000),
    })
    .prefault({}),
  /** Where pino's JSON log lines go: a file path, or stdout when absent. */
  logFile: z.string().optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).prefault('info'),
  faults: z.array(z.string()).prefault([]),
});

export type SandboxOptionsInput = z.input<typeof SandboxOptions>;
export type SandboxOptions = z.output<typeof SandboxOptions>;
