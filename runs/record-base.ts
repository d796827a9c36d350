import os from 'node:os';
import { VERSION } from '../core/version.ts';
import { decideVerdict, type AlertResult, type CheckResultInput, type RunKind, type RunRecordInput } from '../reports/record.ts';

export interface FinishInput {
  kind: RunKind;
  target: string | null;
  startedAt: number;
  endedAt: number;
  config: unknown;
  signal: AbortSignal;
  checks: CheckResultInput[];
  alerts: AlertResult[];
  invalidReasons?: readonly string[];
  streams: Record<string, string>;
  results: Record<string, unknown>;
}

/**
 * The record every run returns: the verdict decided from its checks and alerts, the
 * interruption when a signal cut it short, and the environment. The config is redacted
 * when the record is written.
 */
export function finishRecord(input: FinishInput): RunRecordInput {
  const { verdict, reasons } = decideVerdict({
    checks: input.checks.map((c) => ({ strict: true, ...c })),
    alerts: input.alerts,
    invalidReasons: input.invalidReasons,
  });
  const endedAt = new Date(input.endedAt).toISOString();
  return {
    schemaVersion: 1,
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
  };
}
