import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { CapacityResults, DemoResults, GateResults, RestoreDrillResults, StressResults, ValidateResults, WatchResults, type SignalResults } from './results.ts';

/**
 * The run record: `run.json` is the truth every renderer and the gate read. Field names
 * are public surface (docs/contracts/run-record.md); add freely, never rename.
 *
 * Version 2 types `results` per kind. A version-1 record has the same fields, so it reads
 * as it is; a record from a newer drill is refused by name rather than misread.
 */
export const SCHEMA_VERSION = 2;
/**
 * `skip`: the run was not asked to judge it (an input not given). `not_evaluated`: it was
 * asked, but the evidence never came (logs that never arrived, too few requests): a strict
 * check not evaluated is never a pass. `inconclusive`: the evidence came, and cannot decide
 * (a gate comparison within its noise).
 */
export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'skip', 'error', 'not_evaluated', 'inconclusive'] as const;
/** `not_evaluated`: the rule never had its input (no snapshot, no logs arrived) or is disabled. */
export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved', 'not_evaluated'] as const;
export const RUN_KINDS = ['stress', 'watch', 'validate', 'gate', 'demo', 'restore-drill', 'capacity'] as const;
/**
 * `interrupted`: a signal cut the run short; the record holds what was seen, and it is never
 * a pass or a baseline. `inconclusive`: nothing failed, but a strict check could not decide.
 */
export const VERDICTS = ['pass', 'fail', 'invalid', 'inconclusive', 'interrupted'] as const;

const IsoTime = z.iso.datetime({ offset: true });

export const CheckResult = z.object({
  id: z.string().min(1),
  title: z.string().optional(),
  status: z.enum(CHECK_STATUSES),
  /** A strict check's fail or error fails the run; an advisory one only warns. */
  strict: z.boolean().default(true),
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()).default({}),
  durationMs: z.number().nonnegative().optional(),
});

export const AlertTransition = z.object({
  at: IsoTime,
  state: z.enum(ALERT_STATES),
  /** The value that caused the transition (backlog, age in seconds, count…), when there is one. */
  value: z.number().nullable().optional(),
  reason: z.string(),
});

/** One line of alerts.ndjson: a transition and the alert it belongs to. */
export const AlertTransitionLine = AlertTransition.extend({ id: z.string().min(1) });

export const AlertResult = z.object({
  id: z.string().min(1),
  state: z.enum(ALERT_STATES),
  pendingAt: IsoTime.nullable().optional(),
  firedAt: IsoTime.nullable().optional(),
  resolvedAt: IsoTime.nullable().optional(),
  summary: z.string().optional(),
  timeline: z.array(AlertTransition).default([]),
});

const RecordBase = z.object({
  schemaVersion: z.number().int().min(1).max(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('drill'), version: z.string() }),
  startedAt: IsoTime,
  endedAt: IsoTime,
  target: z.string().nullable(),
  verdict: z.enum(VERDICTS),
  /** Why the verdict is what it is, one line each; empty on a clean pass. */
  reasons: z.array(z.string()).default([]),
  /** Set when a signal cut the run short: the record holds what was observed until then. */
  interrupted: z.object({ signal: z.string(), at: IsoTime }).nullable().default(null),
  checks: z.array(CheckResult).default([]),
  alerts: z.array(AlertResult).default([]),
  /** The resolved config with secrets redacted. */
  config: z.unknown(),
  environment: z.looseObject({
    node: z.string(),
    platform: z.string(),
    arch: z.string(),
    cpus: z.number().int(),
  }),
  /** NDJSON streams in the run directory, by name (samples, requests, logs…). */
  streams: z.record(z.string(), z.string()).default({}),
});

/** Each kind's results schema; the record's `results` is typed by its `kind`. */
export const RESULTS = {
  stress: StressResults,
  watch: WatchResults,
  validate: ValidateResults,
  gate: GateResults,
  demo: DemoResults,
  'restore-drill': RestoreDrillResults,
  capacity: CapacityResults,
} as const satisfies Record<(typeof RUN_KINDS)[number], z.ZodType>;

export const StressRecord = RecordBase.extend({ kind: z.literal('stress'), results: StressResults.prefault({}) });
export const WatchRecord = RecordBase.extend({ kind: z.literal('watch'), results: WatchResults.prefault({}) });
export const ValidateRecord = RecordBase.extend({ kind: z.literal('validate'), results: ValidateResults.prefault({}) });
export const GateRecord = RecordBase.extend({ kind: z.literal('gate'), results: GateResults.prefault({}) });
export const DemoRecord = RecordBase.extend({ kind: z.literal('demo'), results: DemoResults.prefault({}) });
export const CapacityRecord = RecordBase.extend({ kind: z.literal('capacity'), results: CapacityResults.prefault({}) });

export const RestoreDrillRecord = RecordBase.extend({ kind: z.literal('restore-drill'), results: RestoreDrillResults.prefault({}) });

export const RunRecord = z.discriminatedUnion('kind', [StressRecord, WatchRecord, ValidateRecord, GateRecord, DemoRecord, RestoreDrillRecord, CapacityRecord]);

export type CheckResult = z.output<typeof CheckResult>;
export type CheckResultInput = z.input<typeof CheckResult>;
export type AlertResult = z.output<typeof AlertResult>;
export type AlertTransition = z.output<typeof AlertTransition>;
export type AlertTransitionLine = z.output<typeof AlertTransitionLine>;
export type AlertState = (typeof ALERT_STATES)[number];
export type RunRecord = z.output<typeof RunRecord>;
export type RunRecordInput = z.input<typeof RunRecord>;
export type RunKind = (typeof RUN_KINDS)[number];
export type Verdict = (typeof VERDICTS)[number];
export type StressRecord = z.output<typeof StressRecord>;
export type WatchRecord = z.output<typeof WatchRecord>;
export type ValidateRecord = z.output<typeof ValidateRecord>;
export type GateRecord = z.output<typeof GateRecord>;
export type RestoreDrillRecord = z.output<typeof RestoreDrillRecord>;
export type CapacityRecord = z.output<typeof CapacityRecord>;
/** The record of one kind, as code reads it and as writers build it. */
export type RecordOf<K extends RunKind> = Extract<RunRecord, { kind: K }>;
export type RecordInputOf<K extends RunKind> = Extract<RunRecordInput, { kind: K }>;
export type ResultsInputOf<K extends RunKind> = z.input<(typeof RESULTS)[K]>;

/** The watcher's results, for the kinds that watch (stress, watch, validate). */
export function signalResultsOf(record: RunRecord): SignalResults | null {
  return record.kind === 'stress' || record.kind === 'watch' || record.kind === 'validate' || record.kind === 'capacity' ? record.results : null;
}

/** A stress run's results, or null for any other kind. */
export function stressResultsOf(record: RunRecord): StressRecord['results'] | null {
  return record.kind === 'stress' ? record.results : null;
}

/** The load a run measured: a stress run's, or the k6 load a watch ran beside; null otherwise. */
export function loadResultsOf(record: RunRecord): (StressRecord['results'] & WatchRecord['results']) | null {
  if (record.kind === 'stress') return record.results;
  if (record.kind === 'capacity' && record.results.load) return record.results as unknown as StressRecord['results'] & WatchRecord['results'];
  if (record.kind === 'watch' && record.results.load) return record.results;
  return null;
}

/**
 * Reads a record from parsed JSON. A newer schema version is named as such (upgrade
 * drill), not reported as a shape error; anything else invalid names its first problem.
 */
export function parseRecord(json: unknown, origin: string): RunRecord {
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new UsageError(
      `${origin} was written by a newer drill (record schema version ${version}; this drill reads up to ${SCHEMA_VERSION}); upgrade drill to read it`,
      'E_RECORD_VERSION',
    );
  }
  const result = RunRecord.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
    throw new UsageError(`${origin} is not a drill run record (${where}${issue?.message ?? 'invalid'})`, 'E_RECORD');
  }
  return result.data;
}

export interface VerdictInput {
  checks: readonly Pick<CheckResult, 'id' | 'status' | 'strict' | 'summary'>[];
  alerts: readonly Pick<AlertResult, 'id' | 'state' | 'firedAt'>[];
  /** Reasons the run itself cannot be trusted (a saturated load generator). */
  invalidReasons?: readonly string[];
  /** The signal that cut the run short, when one did. */
  interruptedBy?: string | null;
}

const FAILING: Partial<Record<CheckResult['status'], string>> = { fail: 'failed', error: 'could not run', not_evaluated: 'was not evaluated' };

/**
 * Fails on any strict check that failed, could not run or was not evaluated (missing
 * evidence is never a pass), and on any alert that fired during the run, even if it
 * resolved before the end. An interrupted run is `interrupted` whatever it saw; a run whose
 * generator saturated is `invalid`. With no failure, a strict check the evidence could not
 * decide makes the run `inconclusive`.
 */
export function decideVerdict(input: VerdictInput): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  for (const check of input.checks) {
    const failing = FAILING[check.status];
    if (check.strict !== false && failing) reasons.push(`${check.id} ${failing}: ${check.summary}`);
  }
  for (const alert of input.alerts) {
    if (alert.state === 'firing') reasons.push(`alert ${alert.id} is firing`);
    else if (alert.state === 'resolved' || alert.firedAt) reasons.push(`alert ${alert.id} fired during the run`);
  }
  if (input.interruptedBy) {
    return { verdict: 'interrupted', reasons: [`interrupted by ${input.interruptedBy}: a partial record, never a pass`, ...(input.invalidReasons ?? []), ...reasons] };
  }
  if (input.invalidReasons?.length) {
    return { verdict: 'invalid', reasons: [...input.invalidReasons, ...reasons] };
  }
  if (reasons.length) return { verdict: 'fail', reasons };
  const undecided = input.checks.filter((c) => c.strict !== false && c.status === 'inconclusive').map((c) => `${c.id} inconclusive: ${c.summary}`);
  return { verdict: undecided.length ? 'inconclusive' : 'pass', reasons: undecided };
}
