import { z } from 'zod';
import { ALERT_IDS } from '../alert-ids.ts';
import { Duration, HttpUrl, durationAtLeast } from './fields.ts';
import { ThinkTimeSchema } from '../../scenarios/schema.ts';
import { ThresholdError, parseThreshold } from '../../thresholds/parse.ts';

/**
 * One schema, two types: `DrillConfigInput` is what users write (durations as "5s"),
 * `DrillConfig` is what code uses (durations in milliseconds, defaults filled in).
 * Objects are strict so a typo ("intervall") is an error, not a silently ignored key.
 * Secrets are not part of this schema: they come from the environment only.
 */
const AlertOverride = z.strictObject({
  enabled: z.boolean().optional(),
  /** How long the condition must hold at every evaluation before the alert fires (Prometheus `for:`). */
  for: Duration.optional(),
  /** The rule's number; each rule documents its unit (jobs, seconds, periods, events). */
  threshold: z.number().finite().nonnegative().optional(),
});

const CronAlertOverride = AlertOverride.extend({
  /** How often the platform cron calls the worker (CE Pro: every minute). */
  cronPeriod: Duration.optional(),
});

const SpikeAlertOverride = AlertOverride.extend({
  /** The short window the rate is measured over. */
  window: Duration.optional(),
  /** How many times the baseline rate counts as a spike. */
  factor: z.number().positive().optional(),
});

const Alerts = z.strictObject({
  health_degraded: AlertOverride.optional(),
  queue_backlog_high: AlertOverride.optional(),
  oldest_ready_age_high: AlertOverride.optional(),
  dead_letter_nonzero: AlertOverride.optional(),
  worker_cron_failing: CronAlertOverride.optional(),
  webhook_failures_spike: SpikeAlertOverride.optional(),
  admin_auth_failures_spike: SpikeAlertOverride.optional(),
} satisfies Record<(typeof ALERT_IDS)[number], z.ZodType>);

/** A threshold expression, checked when the config is read so typos fail before any load. */
const ThresholdText = z.string().superRefine((text, ctx) => {
  try {
    parseThreshold(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof ThresholdError ? error.message : String(error) });
  }
});

const ThresholdEntry = z.union([
  ThresholdText,
  z.strictObject({
    threshold: ThresholdText,
    /** Stop the load as soon as this threshold is breached (after delayAbortEval). */
    abortOnFail: z.boolean().prefault(false),
    delayAbortEval: Duration.prefault('10s'),
  }),
]);

const StageInput = z.strictObject({ duration: Duration, target: z.number().int().min(0) });

const ProfileOverride = z.strictObject({
  stages: z.array(StageInput).min(1).optional(),
  thinkTime: ThinkTimeSchema.partial().optional(),
  thresholds: z.record(z.string(), z.array(ThresholdEntry)).optional(),
});

export const ConfigSchema = z.strictObject({
  /** Default target when --target is not given. */
  target: HttpUrl.optional(),
  targets: z
    .strictObject({
      /** Hosts that may be loaded besides loopback. Load only goes where the user points it. */
      allow: z.array(z.string().min(1)).prefault([]),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxUsers: z.number().int().positive().prefault(2000),
      maxRatePerSecond: z.number().positive().prefault(5000),
      maxDuration: Duration.prefault('2h'),
      /** A generator whose requests leave later than this (p99) is saturated: the run is invalid. */
      maxScheduleLagP99: Duration.prefault('50ms'),
      /** A load worker busier than this (event-loop utilisation, 5 s average) is saturated. */
      maxWorkerUtilization: z.number().gt(0).max(1).prefault(0.95),
    })
    .prefault({}),
  watch: z
    .strictObject({
      /** Time between health samples. */
      interval: durationAtLeast(250, '250ms').prefault('5s'),
      /** A health request slower than this is a failed sample (timeout). */
      timeout: durationAtLeast(50, '50ms').prefault('2s'),
      /** Where the six queue fields live in the health body; null means the top level. */
      queueKey: z.string().min(1).nullable().prefault('queue'),
      healthPath: z.string().startsWith('/').prefault('/api/health'),
      /** Without the bearer snapshot the queue alerts cannot judge anything: an error unless this is false. */
      requireSnapshot: z.boolean().prefault(true),
      /** More failed samples than this share fails the run (a silent outage must not pass). */
      maxFailedSampleRatio: z.number().min(0).max(1).prefault(0.05),
    })
    .prefault({}),
  alerts: Alerts.prefault({}),
  /** k6-style expressions, keyed by `overall` or a route name: { overall: ['p(95)<800'] }; added to the profile's. */
  thresholds: z.record(z.string(), z.array(ThresholdEntry)).prefault({}),
  stress: z
    .strictObject({
      /** A scenario file (JSON, YAML or a module); the CE Pro default mix when absent. */
      scenario: z.string().min(1).optional(),
      /** A cookie pool file: one Cookie header per line, or a JSON array. */
      cookies: z.string().min(1).optional(),
      /** Mint sessions by signing test users in with supabase-js instead of a cookie file. */
      signIn: z
        .strictObject({
          /** The Supabase project URL (https://<ref>.supabase.co), or the sandbox's URL. */
          url: HttpUrl,
          /** Cookie name part: sb-<projectRef>-auth-token. Derived from a *.supabase.co URL. */
          projectRef: z.string().regex(/^[a-z0-9]+$/).optional(),
          emails: z.array(z.string().email()).min(1),
          /** Environment variables holding the anon key and the shared test password. */
          anonKeyEnv: z.string().prefault('SUPABASE_ANON_KEY'),
          passwordEnv: z.string().prefault('DRILL_USER_PASSWORD'),
          /** Sessions to mint (cycling through emails); default one per email. */
          sessions: z.number().int().positive().optional(),
        })
        .optional(),
      /** Load worker threads (default: one per core but one, at least one). */
      workers: z.number().int().min(1).max(64).optional(),
      /** A request slower than this, waiting for a free connection included, is a timeout error. */
      timeout: durationAtLeast(100, '100ms').prefault('10s'),
      /** Health sampled before load starts: the "normal" the backlog alert compares with. */
      baseline: Duration.prefault('15s'),
      /** After the load, how long to wait for the queue to drain back to normal. */
      recoveryTimeout: Duration.prefault('5m'),
      profiles: z.partialRecord(z.enum(['smoke', 'launch', 'pricing', 'nightly', 'max']), ProfileOverride).prefault({}),
    })
    .prefault({}),
  validate: z
    .strictObject({
      /** How long health, the queue and dead-letter are observed. */
      window: Duration.prefault('2m'),
      /** How long the queue may take to drain back to normal. */
      drainTimeout: Duration.prefault('5m'),
      /** "Normal" backlog (pending + retrying) when alerts.queue_backlog_high.threshold is not set. */
      normalBacklog: z.number().int().min(0).prefault(10),
      supabaseApiUrl: HttpUrl.prefault('https://api.supabase.com'),
      projectRef: z.string().regex(/^[a-z0-9]+$/).optional(),
      expectRegion: z.string().min(1).optional(),
      services: z.array(z.enum(['auth', 'db', 'db_postgres_user', 'pooler', 'realtime', 'rest', 'storage', 'pg_bouncer'])).min(1).prefault(['db', 'auth', 'rest', 'storage', 'realtime', 'pooler']),
      /** true: PITR must be on (and its retention known); false: must be off; absent: reported only. */
      expectPitr: z.boolean().optional(),
      /** A completed backup (or the PITR window's end) must be this recent. */
      recentBackupWithin: Duration.prefault('26h'),
      /** The runbook's quarterly restore drill: the latest may be at most this many days old. */
      restoreDrillMaxAgeDays: z.number().int().positive().prefault(92),
      /** Schemas compared by db.schema_parity, db.row_parity and db.sequences. */
      schemas: z.array(z.string().min(1)).min(1).prefault(['public']),
      /** Tables whose row counts are compared (schema.table); default: every table in `schemas` but `rowParityExclude`. */
      rowParityTables: z.array(z.string().min(1)).optional(),
      /** Tables the live app writes continuously (the queue, route telemetry) cannot match the old project's counts after cutover. */
      rowParityExclude: z.array(z.string().min(1)).prefault(['public.background_jobs', 'public.route_performance_events']),
      jobsTable: z.string().min(1).prefault('public.background_jobs'),
      canary: z
        .strictObject({
          /** sql: insert into the jobs table; route: POST to the app with a session; auto: sql when a database is given. */
          via: z.enum(['auto', 'sql', 'route', 'off']).prefault('auto'),
          jobType: z.string().min(1).prefault('admin_email'),
          route: z.string().startsWith('/').prefault('/api/admin/jobs'),
          timeout: Duration.prefault('2m'),
        })
        .prefault({}),
      /** Longest single wait on a Management API 429's X-RateLimit-Reset. */
      maxRateLimitWait: Duration.prefault('60s'),
    })
    .prefault({}),
  /** Release-gate tolerances: how much worse than the baseline the current run may be. */
  gate: z
    .strictObject({
      /** p95 may grow by this fraction (0.10 = 10 %). */
      maxP95Regression: z.number().min(0).prefault(0.1),
      maxP99Regression: z.number().min(0).prefault(0.2),
      /** Error rate may grow by this many percentage points, as a fraction (0.005 = 0.5 pp). */
      maxErrorRateIncrease: z.number().min(0).max(1).prefault(0.005),
      /** Current throughput must be at least this share of the baseline's. */
      minThroughputRatio: z.number().positive().prefault(0.95),
      /** Queue recovery may take this much longer than the baseline's. */
      maxRecoveryIncrease: Duration.prefault('30s'),
      /** Routes with fewer requests in either run are too noisy to compare percentiles. */
      minRequests: z.number().int().min(1).prefault(50),
    })
    .prefault({}),
  /** Root for run directories when --out is not given. */
  outDir: z.string().min(1).prefault('reports/runs'),
  /** Where `drill baseline save` stores the blessed baseline run. */
  baseline: z.string().min(1).optional(),
});

export type DrillConfigInput = z.input<typeof ConfigSchema>;
export type DrillConfig = z.output<typeof ConfigSchema>;
