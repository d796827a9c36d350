import os from 'node:os';
import { VERSION } from '../core/version.ts';
import { SCHEMA_VERSION, decideVerdict, type AlertResult, type CheckResultInput, type RecordInputOf, type ResultsInputOf, type RunKind } from '../record/run-record.ts';

export interface FinishInput<K extends RunKind> {
  kind: K;
  target: string | null;
  startedAt: number;
  endedAt: number;
  config: unknown;
  signal: AbortSignal;
  checks: CheckResultInput[];
  alerts: AlertResult[];
  /** The alerts the verdict is decided by (default: all of them). The capacity search breaks on alerts: there they are findings. */
  judgedAlerts?: AlertResult[];
  invalidReasons?: readonly string[];
  streams: Record<string, string>;
  results: ResultsInputOf<K>;
}

/**
 * The record every run returns: the verdict decided from its checks and alerts, the
 * interruption when a signal cut it short, and the environment. The config is redacted
 * when the record is written.
 */
export function finishRecord<K extends RunKind>(input: FinishInput<K>): RecordInputOf<K> {
  const { verdict, reasons } = decideVerdict({
    checks: input.checks.map((c) => ({ strict: true, ...c })),
    alerts: input.judgedAlerts ?? input.alerts,
    invalidReasons: input.invalidReasons,
    interruptedBy: input.signal.aborted ? String(input.signal.reason ?? 'SIGINT') : null,
  });
  const endedAt = new Date(input.endedAt).toISOString();
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: input.kind,
    tool: { name: 'drill', version: VERSION },
    startedAt: new Date(input.startedAt).toISOString(),
    endedAt,
    target: input.target,
    verdict,
    reasons,
    interrupted: input.signal.aborted ? { signal: String(input.signal.reason ?? 'SIGINT'), at: endedAt } : null,
    checks: input.checks,
    alerts: input.alerts,
    config: input.config,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
    streams: input.streams,
    results: input.results,
  } as RecordInputOf<K>;
}
