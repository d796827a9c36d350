import { z } from 'zod';
import { ALERT_IDS } from '../core/alert-ids.ts';
import { Duration, HttpUrl, ThinkTimeSchema, durationAtLeast } from './fields.ts';
import { DEFAULT_PARITY_EXCLUDE } from './parity-exclusions.ts';
import { ThresholdError, parseThreshold } from '../thresholds/parse.ts';

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

const BacklogAlertOverride = AlertOverride.extend({
  /**
   * "Normal" backlog (pending + retrying) where none was measured before load: watch,
   * validate's queue.drain, and a stress run whose baseline had no snapshot. `threshold`,
   * when set, is the normal everywhere and wins over a measured baseline.
   */
  normal: z.number().int().min(0).optional(),
});

const SpikeAlertOverride = AlertOverride.extend({
  /** The short window the rate is measured over. */
  window: Duration.optional(),
  /** How many times the baseline rate counts as a spike. */
  factor: z.number().positive().optional(),
});

const Alerts = z.strictObject({
  health_degraded: AlertOverride.optional(),
  queue_backlog_high: BacklogAlertOverride.optional(),
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

/** A closed-model stage (`target` users) or an open-model one (`rate` arrivals per second). */
const StageInput = z.union([
  z.strictObject({ duration: Duration, target: z.number().int().min(0) }),
  z.strictObject({ duration: Duration, rate: z.number().min(0) }),
]);

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
      /** Where the body lists components with status words ({ worker: { status: 'stopped' } }); null: none. */
      componentsKey: z.string().min(1).nullable().prefault('checks'),
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
          /** Refresh each session with the refresh-token grant before its access token expires (runs longer than the token lifetime). */
          refresh: z.boolean().prefault(true),
        })
        .optional(),
      /** Load worker threads (default: one per core but one, at least one). */
      workers: z.number().int().min(1).max(64).optional(),
      /** A request slower than this, waiting for a free connection included, is a timeout error. */
      timeout: durationAtLeast(100, '100ms').prefault('10s'),
      /** Leave out the scenario's write routes (POST, PUT, PATCH, DELETE): the first drill against a real app. */
      readOnly: z.boolean().prefault(false),
      /** Write routes may go to a non-loopback target (they enqueue real jobs there); refused otherwise. */
      allowWrites: z.boolean().prefault(false),
      /** A threshold judged on fewer requests (overall or on its route) is not evaluated, and the run does not pass. */
      minRequests: z.number().int().min(1).prefault(50),
      /** Health sampled before load starts: the "normal" the backlog alert compares with. */
      baseline: Duration.prefault('15s'),
      /** After the load, how long to wait for the queue to drain back to normal. */
      recoveryTimeout: Duration.prefault('5m'),
      /** Open model: most requests in flight at once; an arrival beyond it is counted as dropped, never sent late (k6's maxVUs). */
      maxInFlight: z.number().int().min(1).max(1_000_000).prefault(1000),
      profiles: z.partialRecord(z.enum(['smoke', 'launch', 'pricing', 'nightly', 'max', 'soak', 'spike', 'breakpoint']), ProfileOverride).prefault({}),
    })
    .prefault({}),
  /** drill capacity: the breakpoint search. Every step is bounded, and so is the whole search. */
  capacity: z
    .strictObject({
      /** The first step's arrival rate, requests per second. */
      startRate: z.number().positive().prefault(10),
      /** The search never asks for more than this (also bounded by limits.maxRatePerSecond). */
      maxRate: z.number().positive().prefault(2000),
      /** Each ramp step multiplies the rate by this. */
      stepFactor: z.number().gt(1).max(10).prefault(1.5),
      /** How long each step is held: long enough for its signals to show (the watcher samples within it). */
      hold: durationAtLeast(1000, '1s').prefault('30s'),
      /** Bisection stops when the knee's bracket is within this fraction (0.05: the highest sustainable rate within 5 %). */
      precision: z.number().gt(0).max(1).prefault(0.05),
      /** The whole search, every step and pause included, stops by this. */
      maxDuration: Duration.prefault('20m'),
      /** A step whose error rate is over this breaks. */
      maxErrorRate: z.number().min(0).max(1).prefault(0.01),
      /** Thresholds every step is judged by, added to the config's `thresholds`. */
      thresholds: z.record(z.string(), z.array(ThresholdEntry)).prefault({ overall: ['p(95)<800'] }),
    })
    .prefault({}),
  validate: z
    .strictObject({
      /** How long health, the queue and dead-letter are observed. */
      window: Duration.prefault('2m'),
      /** How long the queue may take to drain back to normal. */
      drainTimeout: Duration.prefault('5m'),
      /** A skipped required check fails the run: always, never, or when CI is set in the environment. */
      strict: z.union([z.boolean(), z.literal('ci')]).prefault('ci'),
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
      /** Schemas the db.* checks compare; default: every non-system schema the old database has, `auth` and `storage` included. */
      schemas: z.array(z.string().min(1)).min(1).optional(),
      /** Tables whose row counts and content are compared (schema.table); default: every table in `schemas` but `exclude`. */
      rowParityTables: z.array(z.string().min(1)).optional(),
      /** Tables left out of db.row_parity and db.content_parity: Supabase's and the app's churning tables, each reason in docs/checks.md. `*` matches any characters; setting this replaces the list. */
      exclude: z.array(z.string().min(1)).prefault(DEFAULT_PARITY_EXCLUDE.map((e) => e.table)),
      /** Deprecated: more tables to leave out, added to `exclude`. */
      rowParityExclude: z.array(z.string().min(1)).optional(),
      /**
       * Schema differences to accept, as "kind object" patterns with `*` (for example "function storage.*" after a platform upgrade).
       * Default: Realtime's daily partitions of realtime.messages, which Realtime creates and drops by date on each project.
       */
      schemaIgnore: z.array(z.string().min(1)).prefault(['*realtime.messages_2*']),
      /** db.content_parity: how hard it may lean on production. */
      content: z
        .strictObject({
          /** Rows per hashed key range: the most any one statement reads. */
          chunkSize: z.number().int().min(100).max(1_000_000).prefault(10_000),
          /** Server-side limit on each statement of the parity checks. */
          statementTimeout: Duration.prefault('60s'),
          /** The pause before differing keys are looked at again, to tell rows in flight from rows lost. */
          recheckAfter: Duration.prefault('2s'),
          /** Differing keys listed and rechecked per table; past it they are counted, at least roughly. */
          maxKeys: z.number().int().min(10).prefault(10_000),
        })
        .prefault({}),
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
      /** The latency shift (Hodges-Lehmann, whole distribution) may be this fraction (0.10 = 10 %). */
      maxLatencyShift: z.number().min(0).prefault(0.1),
      /**
       * How sure a pass or a fail must be: each comparison's two-sided interval at this level
       * must lie wholly within the tolerance (pass) or wholly beyond it (fail); else inconclusive.
       */
      confidence: z.number().gt(0.5).lt(1).prefault(0.95),
      /** A route the release does not change: when it moved as much as the others, the environment changed, not the build. */
      referenceRoute: z.string().min(1).prefault('HEAD /api/health'),
      /** Live A/B (drill gate --control/--candidate): the current release and the candidate, loaded side by side. */
      control: HttpUrl.optional(),
      candidate: HttpUrl.optional(),
    })
    .prefault({}),
  /** Root for run directories when --out is not given. */
  outDir: z.string().min(1).prefault('reports/runs'),
  /** Where `drill baseline save` stores the blessed baseline run. */
  baseline: z.string().min(1).optional(),
});

export type DrillConfigInput = z.input<typeof ConfigSchema>;
export type DrillConfig = z.output<typeof ConfigSchema>;
