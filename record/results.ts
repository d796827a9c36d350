import { z } from 'zod';
import { QueueSnapshot } from './health.ts';
import { GeneratorHealth, LoadSummary, MachineSummary } from './load.ts';
import { LogAnswers } from './logs.ts';

/**
 * `results`, typed per run kind. Every field is optional: a record rebuilt from its streams
 * after a crash, or one older drill wrote, carries only some of them, and must still read.
 * Unknown keys are kept (loose objects), so a newer minor field survives a re-render.
 */

/** Order statistics of watcher values (sample lag, sample latency), ms. */
const SmallSummary = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});

/** What the watcher saw: every run that watches (stress, watch, validate) carries these. */
export const SignalResults = z.looseObject({
  samples: z.object({ count: z.number(), failed: z.number(), lagMs: SmallSummary, latencyMs: SmallSummary }).optional(),
  queue: z
    .object({ first: QueueSnapshot, last: QueueSnapshot.nullable(), maxBacklog: z.number(), maxOldestReadyAgeSeconds: z.number() })
    .nullable()
    .optional(),
  logs: LogAnswers.nullable().optional(),
  /** Whether "normal" was learned from the pre-load baseline, and why not when it was not. */
  baseline: z.object({ backlog: z.number().nullable(), learned: z.boolean(), reason: z.string().nullable() }).optional(),
});

export const ProfileInfo = z.looseObject({
  name: z.string(),
  /** `open`: stage targets are arrivals per second; absent or `closed`: users. */
  model: z.enum(['closed', 'open']).optional(),
  peakRate: z.number().optional(),
  stages: z.array(z.object({ durationMs: z.number(), target: z.number() })).optional(),
  peakUsers: z.number(),
  durationMs: z.number(),
  thinkTime: z.record(z.string(), z.unknown()).optional(),
});

export const RecoveryResult = z.looseObject({
  recovered: z.boolean(),
  drainMs: z.number().nullable(),
  normal: z.number(),
  backlogAtLoadEnd: z.number().nullable(),
  backlog: z.number().nullable().optional(),
});

export const StressResults = SignalResults.extend({
  profile: ProfileInfo.optional(),
  phases: z.object({ baselineEndedAt: z.string().nullable(), loadEndedAt: z.string().nullable() }).optional(),
  load: LoadSummary.nullable().optional(),
  generator: GeneratorHealth.nullable().optional(),
  machine: MachineSummary.nullable().optional(),
  /** Live A/B runs: which arm of the gate this record is, and the gate's run directory. */
  arm: z.enum(['control', 'candidate']).optional(),
  workers: z.number().optional(),
  engine: z.string().optional(),
  engineNotes: z.array(z.string()).optional(),
  recovery: RecoveryResult.nullable().optional(),
  /** The run's sessions: where they came from, refreshes, expiries, and the auth failures seen. */
  sessions: z
    .looseObject({
      source: z.string(),
      count: z.number(),
      refresh: z.boolean(),
      refreshed: z.number(),
      refreshFailures: z.number(),
      lastRefreshError: z.string().nullable(),
      earliestExpiry: z.string().nullable(),
      latestExpiry: z.string().nullable(),
      authFailures: z.number(),
    })
    .optional(),
  /** k6 runs: the summary files merged, and k6's own exit code. */
  k6: z.looseObject({ files: z.array(z.string()), notes: z.array(z.string()), spanMs: z.number().nullable() }).optional(),
  k6ExitCode: z.number().nullable().optional(),
  rebuiltFromStreams: z.boolean().optional(),
});

export const WatchResults = SignalResults.extend({
  plannedDurationMs: z.number().optional(),
  /** A k6 load that ran alongside (drill watch --k6-summary), merged in. */
  load: LoadSummary.nullable().optional(),
  engine: z.string().optional(),
  k6: z.looseObject({ files: z.array(z.string()), notes: z.array(z.string()), spanMs: z.number().nullable() }).optional(),
  rebuiltFromStreams: z.boolean().optional(),
});

export const ValidateResults = SignalResults.extend({
  windowMs: z.number().optional(),
  wallMs: z.number().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  managementApiCalls: z.array(z.looseObject({ path: z.string(), status: z.number().nullable(), waitedMs: z.number().optional() })).optional(),
  rebuiltFromStreams: z.boolean().optional(),
});

/** One statistical comparison: an effect estimate with its interval, and what it decided. */
export const GateComparison = z.looseObject({
  /** `overall` or a route name. */
  scope: z.string(),
  metric: z.enum(['shift', 'p95', 'p99', 'error_rate', 'throughput']),
  status: z.enum(['pass', 'fail', 'inconclusive', 'skip']),
  /**
   * Relative change for latency and throughput (0.12 = 12 % slower, or 12 % less
   * throughput), percentage points as a fraction for the error rate; larger is worse.
   */
  estimate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  tolerance: z.number(),
  baseline: z.number().nullable(),
  current: z.number().nullable(),
  /** `iid` or `batches` (time batches, paired in a live run): where the interval's width came from. */
  method: z.string().nullable(),
  /** The smallest regression this data would flag (80 % power), in the estimate's units. */
  detectable: z.number().nullable(),
  /** Inconclusive: about how many times longer a run would need to be to decide. */
  lengthFactor: z.number().nullable(),
  /** Set when the environment, not the build, explains the change. */
  environment: z.string().nullable().optional(),
  /** The level of `low`..`high`: a fail's interval is corrected for the gate's number of comparisons, a pass's is not. */
  confidence: z.number().optional(),
});

/** A distribution as the report draws it: CDF points and a box plot, in ms. */
export const DistributionView = z.object({
  requests: z.number(),
  cdf: z.array(z.object({ p: z.number(), ms: z.number() })),
  box: z.object({ p1: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p99: z.number() }).nullable(),
});

export const GateResults = z.looseObject({
  baseline: z.string().optional(),
  current: z.string().optional(),
  baselineStartedAt: z.string().optional(),
  currentStartedAt: z.string().optional(),
  tolerances: z.record(z.string(), z.unknown()).optional(),
  /** `stored`: a run against a saved baseline; `live`: control and candidate loaded side by side. */
  mode: z.enum(['stored', 'live']).optional(),
  confidence: z.number().optional(),
  comparisons: z.array(GateComparison).optional(),
  /** Per scope: the baseline (or control) and current (or candidate) distributions. */
  distributions: z.record(z.string(), z.object({ baseline: DistributionView, current: DistributionView })).optional(),
  /** Both machines, and whether (and why) the environment changed between them. */
  environment: z
    .looseObject({ baseline: MachineSummary.nullable(), current: MachineSummary.nullable(), changed: z.boolean(), reasons: z.array(z.string()) })
    .optional(),
  /** Live A/B: the two deployments. */
  control: z.string().optional(),
  candidate: z.string().optional(),
});

export const DemoResults = z.looseObject({});

/** One timed stage of a restore drill; `error` set when it stopped it. */
export const RestoreStage = z.looseObject({
  status: z.enum(['pass', 'fail', 'error', 'skip']),
  startedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
});

/**
 * A restore drill: how long the restore took (RTO, split into dump and restore), how old the
 * restored data is (RPO), whether it is whole (parity against the source), and whether the
 * app runs on it. Every figure is kept when a later stage errors.
 */
export const RestoreDrillResults = z.looseObject({
  /** from-database: dumped and restored here; from-dump: a dump file restored; restored-url: a restore made elsewhere, verified. */
  mode: z.enum(['from-database', 'from-dump', 'restored-url']).optional(),
  /** Databases by host, port and name only: never a URL (it may hold a password). */
  source: z.looseObject({ database: z.string().nullable(), host: z.string().nullable() }).nullable().optional(),
  restored: z.looseObject({ database: z.string().nullable(), host: z.string().nullable() }).nullable().optional(),
  dump: RestoreStage.extend({ file: z.string().nullable(), kept: z.boolean().optional(), format: z.enum(['custom', 'plain', 'directory', 'binary']).nullable(), bytes: z.number().nullable() }).nullable().optional(),
  restore: RestoreStage.extend({ tool: z.string().nullable() }).nullable().optional(),
  rto: z.looseObject({ dumpMs: z.number().nullable(), restoreMs: z.number().nullable(), totalMs: z.number().nullable(), maxMs: z.number().nullable() }).optional(),
  rpo: z
    .looseObject({
      /** When the restored data was current. */
      dataAsOf: z.string().nullable(),
      basis: z.enum(['dump time', 'archive time', 'newest row', 'unknown']),
      newestRow: z.looseObject({ table: z.string(), column: z.string(), at: z.string() }).nullable(),
      /** From dataAsOf to when the restore was verified. */
      rpoMs: z.number().nullable(),
      maxMs: z.number().nullable(),
    })
    .optional(),
  parity: RestoreStage.extend({
    schemaDifferences: z.number().nullable(),
    firstDifferences: z.array(z.looseObject({ kind: z.string(), object: z.string(), field: z.string().optional() })).default([]),
    tables: z.number().nullable(),
    tablesDiffering: z.array(z.string()).default([]),
    tablesErrored: z.array(z.string()).default([]),
    /** Keys that differ in total, and how many of them the RPO window allows. */
    differingKeys: z.number().nullable(),
    allowedDrift: z.number(),
    rows: z.number().nullable(),
  })
    .nullable()
    .optional(),
  smoke: RestoreStage.extend({
    via: z.enum(['app-url', 'sandbox']).nullable(),
    url: z.string().nullable(),
    httpStatus: z.number().nullable(),
    healthStatus: z.string().nullable(),
    queue: QueueSnapshot.nullable(),
  })
    .nullable()
    .optional(),
  readiness: z.looseObject({ file: z.string(), appended: z.boolean(), error: z.string().nullable() }).nullable().optional(),
});

/** What broke a capacity step: drill's signals, the generator's own included. */
export const CAPACITY_SIGNALS = ['threshold', 'alert', 'queue', 'in_flight', 'error_rate', 'generator'] as const;
export type CapacitySignal = (typeof CAPACITY_SIGNALS)[number];

/** One held arrival rate of the capacity search, and how the app answered it. */
export const CapacityStep = z.looseObject({
  index: z.number().int(),
  /** `ramp`: raising the rate until something broke; `bisect`: narrowing down to the knee. */
  phase: z.enum(['ramp', 'bisect']),
  /** Arrivals per second asked for. */
  rate: z.number(),
  startedAt: z.string(),
  durationMs: z.number(),
  requests: z.number(),
  /** Answers per second over the step. */
  achievedRate: z.number(),
  dropped: z.number(),
  errorRate: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
  /** Job backlog (pending + retrying) at the step's start and end, null without a queue snapshot. */
  backlog: z.object({ start: z.number(), end: z.number() }).nullable(),
  inFlight: z.object({ start: z.number(), end: z.number(), max: z.number() }),
  scheduleLagP99Ms: z.number().nullable(),
  sustainable: z.boolean(),
  broke: z.array(z.object({ signal: z.enum(CAPACITY_SIGNALS), detail: z.string() })),
});

export const CapacityResults = SignalResults.extend({
  search: z
    .looseObject({
      startRate: z.number(),
      maxRate: z.number(),
      stepFactor: z.number(),
      holdMs: z.number(),
      precision: z.number(),
      maxDurationMs: z.number(),
      maxErrorRate: z.number(),
      maxInFlight: z.number(),
      workers: z.number(),
    })
    .optional(),
  steps: z.array(CapacityStep).optional(),
  /** The highest rate held without any signal breaking, with how it answered; null when none was. */
  sustainable: z
    .looseObject({ rate: z.number(), p95Ms: z.number().nullable(), errorRate: z.number(), backlog: z.number().nullable() })
    .nullable()
    .optional(),
  /** The first step that broke on the way up: which signal, and at what rate. */
  firstBreak: z.looseObject({ rate: z.number(), signal: z.enum(CAPACITY_SIGNALS), detail: z.string() }).nullable().optional(),
  /** Where the knee lies: between the highest sustainable and the lowest broken rate. */
  knee: z.object({ low: z.number().nullable(), high: z.number().nullable() }).optional(),
  /**
   * What ended the search: `app` (the knee was found), `generator` (the harness saturated:
   * verdict invalid), `max-rate` (nothing broke up to capacity.maxRate), `time-cap`, `interrupted`.
   */
  limitedBy: z.enum(['app', 'generator', 'max-rate', 'time-cap', 'interrupted']).optional(),
  /** `--expect`: the traffic the user expects, per second, and sustainable / expected. */
  expect: z.number().nullable().optional(),
  headroom: z.number().nullable().optional(),
  load: LoadSummary.nullable().optional(),
  engineNotes: z.array(z.string()).optional(),
  rebuiltFromStreams: z.boolean().optional(),
});

export type SignalResults = z.output<typeof SignalResults>;
export type StressResults = z.output<typeof StressResults>;
export type WatchResults = z.output<typeof WatchResults>;
export type ValidateResults = z.output<typeof ValidateResults>;
export type GateResults = z.output<typeof GateResults>;
export type RestoreDrillResults = z.output<typeof RestoreDrillResults>;
export type GateComparison = z.output<typeof GateComparison>;
export type DistributionView = z.output<typeof DistributionView>;
export type CapacityResults = z.output<typeof CapacityResults>;
export type CapacityStep = z.output<typeof CapacityStep>;
export type ProfileInfo = z.output<typeof ProfileInfo>;
export type RecoveryResult = z.output<typeof RecoveryResult>;
