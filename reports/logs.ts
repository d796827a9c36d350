import { formatDuration } from '../core/duration.ts';
import type { LogAnswers } from '../record/logs.ts';

/** The four answers as plain lines, for `drill logs` and the report's logs section. */
export function renderLogAnswers(answers: LogAnswers): string[] {
  const { workerRan, claimedWork, repeatedFailures, retryVsDeadLetter, lines } = answers;
  const out: string[] = [];
  const gap = workerRan.longestGapMs === null ? '' : `; longest gap ${formatDuration(workerRan.longestGapMs)}`;
  out.push(
    `Did the worker run? ${workerRan.answer}: ${workerRan.runs} cron runs${workerRan.failedRuns ? `, ${workerRan.failedRuns} failed` : ''}` +
      (workerRan.firstAt ? `, ${workerRan.firstAt} to ${workerRan.lastAt}` : '') + gap,
  );
  for (const g of workerRan.gaps) out.push(`  gap of ${formatDuration(g.ms)} from ${g.from} to ${g.to}`);
  out.push(
    `Did it claim work? ${claimedWork.answer}: ${claimedWork.jobsClaimed} jobs in ${claimedWork.batches} batches (${claimedWork.emptyBatches} empty)`,
  );
  out.push(`Is one job type failing again and again? ${repeatedFailures.answer}`);
  for (const t of repeatedFailures.topTypes) {
    out.push(`  ${t.jobType}: ${t.failures} failures (${t.retrying} retrying, ${t.deadLetter} dead-lettered)${t.lastError ? `; last error: ${t.lastError}` : ''}`);
  }
  const share = retryVsDeadLetter.deadLetterShare === null ? 'no failures' : `${Math.round(retryVsDeadLetter.deadLetterShare * 100)}% dead-lettered`;
  out.push(`Are failures retrying or dead-lettering? ${retryVsDeadLetter.retrying} retrying, ${retryVsDeadLetter.deadLetter} dead-lettered (${share})`);
  out.push(`Read ${lines.total} lines: ${lines.events} events, ${lines.withoutEvent} without an event field, ${lines.unreadable} unreadable`);
  return out;
}
