import junitReportBuilder, { type Builder } from 'junit-report-builder';
import type { RunRecord } from '../record/run-record.ts';

/**
 * junit.xml: every check (thresholds included) and every alert as a testcase, so CI shows
 * each one; a failure carries the summary and the evidence. run.json stays the truth.
 */
export function renderJunit(record: RunRecord): string {
  // A CommonJS module: at run time the default import is the builder itself.
  const b = (junitReportBuilder as unknown as Builder).newBuilder();
  const suite = b.testSuite().name(`drill ${record.kind}`).timestamp(record.startedAt);
  for (const check of record.checks) {
    const test = suite
      .testCase()
      .className(`drill.${record.kind}.${check.id.startsWith('threshold.') ? 'thresholds' : 'checks'}`)
      .name(check.id)
      .time((check.durationMs ?? 0) / 1000);
    const detail = `${check.summary}\n\nevidence: ${JSON.stringify(check.evidence, null, 2)}`;
    if (check.status === 'fail') {
      if (check.strict) test.failure(check.summary, 'fail').stacktrace(detail);
      else test.standardOutput(`advisory check failed: ${detail}`);
    } else if (check.status === 'error') {
      if (check.strict) test.error(check.summary, 'error', detail);
      else test.standardOutput(`advisory check could not run: ${detail}`);
    } else if (check.status === 'not_evaluated') {
      // Missing evidence is never a passing test: a failure when it decides the verdict.
      if (check.strict) test.failure(`not evaluated: ${check.summary}`, 'not_evaluated').stacktrace(detail);
      else test.skipped().standardOutput(`not evaluated: ${check.summary}`);
    } else if (check.status === 'skip') test.skipped().standardOutput(`skipped: ${check.summary}`);
    else test.standardOutput(`${check.status}: ${check.summary}`);
  }
  for (const alert of record.alerts) {
    const test = suite.testCase().className(`drill.${record.kind}.alerts`).name(alert.id);
    const detail = `${alert.summary ?? ''}\n\ntimeline: ${JSON.stringify(alert.timeline, null, 2)}`;
    if (alert.firedAt) test.failure(`alert ${alert.id} fired at ${alert.firedAt}${alert.state === 'resolved' ? `, resolved at ${alert.resolvedAt}` : ', still firing'}`, 'alert').stacktrace(detail);
    // An alert that never had its input watched nothing: skipped, never a pass.
    else if (alert.state === 'not_evaluated') test.skipped().standardOutput(alert.summary ?? 'not evaluated');
    else test.standardOutput(`${alert.state}: ${alert.summary ?? ''}`);
  }
  if (record.verdict === 'interrupted') {
    suite.testCase().className(`drill.${record.kind}.run`).name('run complete').failure(record.reasons[0] ?? 'the run was interrupted', 'interrupted').stacktrace(record.reasons.join('\n'));
  }
  if (record.verdict === 'invalid') {
    suite.testCase().className(`drill.${record.kind}.run`).name('load generator healthy').failure(record.reasons[0] ?? 'the run is invalid', 'invalid').stacktrace(record.reasons.join('\n'));
  }
  return b.build();
}
