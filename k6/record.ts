import type { DrillConfig } from '../core/config/schema.ts';
import type { CheckResultInput, RunRecordInput } from '../reports/record.ts';
import { decideVerdict } from '../reports/record.ts';
import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { evaluateThresholds, type ThresholdSpec } from '../thresholds/evaluate.ts';
import { parseThreshold } from '../thresholds/parse.ts';
import { mergeK6Summaries, readK6Summary } from './ingest.ts';

/**
 * Adds k6 results to a record: the pods' summaries merged into `results.load`, drill's
 * thresholds judged ONCE over the merged data (each pod only saw its slice), and each
 * pod's own k6 threshold verdicts as advisory evidence. The verdict is decided again.
 */
export function withK6Results(
  record: RunRecordInput,
  files: readonly string[],
  scenario: Scenario,
  thresholds: ResolvedProfile['thresholds'],
  config: DrillConfig,
): RunRecordInput {
  const summaries = files.map(readK6Summary);
  const merged = mergeK6Summaries(summaries, scenario);
  const specs: ThresholdSpec[] = Object.entries({ ...thresholds, ...config.thresholds }).flatMap(([key, entries]) =>
    entries.map((e) => ({ key, threshold: parseThreshold(typeof e === 'string' ? e : e.threshold), abortOnFail: false, delayAbortEvalMs: 0 })),
  );
  const judged = evaluateThresholds(specs, merged.load.overall, merged.load.routes, () => null);
  const perPod: CheckResultInput[] = merged.k6Thresholds.map((t) => ({
    id: `k6.${t.file}.${t.metric}.${t.expr}`,
    strict: false,
    status: t.ok ? 'pass' : 'fail',
    summary: `k6 on ${t.file} (its own slice only): ${t.metric} ${t.expr} ${t.ok ? 'passed' : 'failed'}`,
    evidence: { file: t.file },
  }));
  const checks = [...(record.checks ?? []).filter((c) => !c.id.startsWith('threshold.') && !c.id.startsWith('k6.')), ...judged, ...perPod];
  const alerts = record.alerts ?? [];
  const { verdict, reasons } = decideVerdict({ checks: checks.map((c) => ({ strict: true, ...c })), alerts: alerts.map((a) => ({ firedAt: null, ...a })) });
  return {
    ...record,
    verdict,
    reasons,
    checks,
    results: { ...(record.results ?? {}), load: merged.load, engine: 'k6', k6: { files: files.map(String), notes: merged.notes, spanMs: merged.spanMs } },
  };
}
