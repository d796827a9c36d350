import type { LoadSummary } from '../record/load.ts';
import type { CheckResultInput, RunRecordInput } from '../record/run-record.ts';
import { decideVerdict } from '../record/run-record.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { evaluateThresholds, type ThresholdSpec } from '../thresholds/evaluate.ts';
import { mergeK6Summaries, readK6Summary } from './ingest.ts';

export interface K6Ingest {
  load: LoadSummary;
  notes: string[];
  spanMs: number;
  /** Each pod's own k6 threshold verdicts: advisory, since each saw only its slice. */
  podChecks: CheckResultInput[];
}

/** Reads and merges the pods' summaries into drill's load results. */
export function ingestK6(files: readonly string[], scenario: Scenario): K6Ingest {
  const merged = mergeK6Summaries(files.map(readK6Summary), scenario);
  const podChecks: CheckResultInput[] = merged.k6Thresholds.map((t) => ({
    id: `k6.${t.file}.${t.metric}.${t.expr}`,
    strict: false,
    status: t.ok ? 'pass' : 'fail',
    summary: `k6 on ${t.file} (its own slice only): ${t.metric} ${t.expr} ${t.ok ? 'passed' : 'failed'}`,
    evidence: { file: t.file },
  }));
  return { load: merged.load, notes: merged.notes, spanMs: merged.spanMs, podChecks };
}

/**
 * Adds k6 results to a record (drill report --k6-summary, drill watch --k6-summary): the
 * pods' summaries merged into `results.load`, drill's thresholds judged ONCE over the
 * merged data, each pod's own verdicts as advisory evidence. The verdict is decided again.
 */
export function withK6Results<R extends RunRecordInput>(record: R, files: readonly string[], scenario: Scenario, specs: readonly ThresholdSpec[], minRequests = 1): R {
  const ingest = ingestK6(files, scenario);
  const judged = evaluateThresholds(specs, ingest.load.overall, ingest.load.routes, () => null, minRequests);
  const checks = [...(record.checks ?? []).filter((c) => !c.id.startsWith('threshold.') && !c.id.startsWith('k6.')), ...judged, ...ingest.podChecks];
  const alerts = record.alerts ?? [];
  const { verdict, reasons } = decideVerdict({
    checks: checks.map((c) => ({ strict: true, ...c })),
    alerts: alerts.map((a) => ({ firedAt: null, ...a })),
    interruptedBy: record.interrupted?.signal ?? null,
  });
  return {
    ...record,
    verdict,
    reasons,
    checks,
    results: { ...(record.results ?? {}), load: ingest.load, engine: 'k6', k6: { files: files.map(String), notes: ingest.notes, spanMs: ingest.spanMs } },
  };
}
