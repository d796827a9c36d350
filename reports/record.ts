import { z } from 'zod';

/**
 * The run record: `run.json` is the truth every renderer and the gate read.
 * Field names are public surface (shared/cli-contract.md); add freely, never rename.
 */
export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'skip', 'error'] as const;
export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
export const RUN_KINDS = ['stress', 'watch', 'validate', 'gate', 'demo'] as const;
export const VERDICTS = ['pass', 'fail', 'invalid'] as const;

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

export const AlertResult = z.object({
  id: z.string().min(1),
  state: z.enum(ALERT_STATES),
  pendingAt: IsoTime.nullable().optional(),
  firedAt: IsoTime.nullable().optional(),
  resolvedAt: IsoTime.nullable().optional(),
  summary: z.string().optional(),
  timeline: z.array(AlertTransition).default([]),
});

export const RunRecord = z.object({
  schemaVersion: z.literal(1),
  kind: z.enum(RUN_KINDS),
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
  environment: z.object({
    node: z.string(),
    platform: z.string(),
    arch: z.string(),
    cpus: z.number().int(),
  }),
  /** NDJSON streams in the run directory, by name (samples, requests, logs…). */
  streams: z.record(z.string(), z.string()).default({}),
  /** Kind-specific results (per-route latency, gate comparisons…). */
  results: z.record(z.string(), z.unknown()).default({}),
});

export type CheckResult = z.output<typeof CheckResult>;
export type CheckResultInput = z.input<typeof CheckResult>;
export type AlertResult = z.output<typeof AlertResult>;
export type RunRecord = z.output<typeof RunRecord>;
export type RunRecordInput = z.input<typeof RunRecord>;
export type RunKind = (typeof RUN_KINDS)[number];
export type Verdict = (typeof VERDICTS)[number];

export interface VerdictInput {
  checks: readonly Pick<CheckResult, 'id' | 'status' | 'strict' | 'summary'>[];
  alerts: readonly Pick<AlertResult, 'id' | 'state' | 'firedAt'>[];
  /** Reasons the run itself cannot be trusted (a saturated load generator). */
  invalidReasons?: readonly string[];
}

/**
 * Fails on any strict check that failed or could not run (an `error` is never a pass),
 * and on any alert that fired during the run, even if it resolved before the end.
 */
export function decideVerdict(input: VerdictInput): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  for (const check of input.checks) {
    if (check.strict !== false && (check.status === 'fail' || check.status === 'error')) {
      reasons.push(`${check.id} ${check.status === 'error' ? 'could not run' : 'failed'}: ${check.summary}`);
    }
  }
  for (const alert of input.alerts) {
    if (alert.state === 'firing') reasons.push(`alert ${alert.id} is firing`);
    else if (alert.state === 'resolved' || alert.firedAt) reasons.push(`alert ${alert.id} fired during the run`);
  }
  if (input.invalidReasons?.length) {
    return { verdict: 'invalid', reasons: [...input.invalidReasons, ...reasons] };
  }
  return { verdict: reasons.length ? 'fail' : 'pass', reasons };
}
