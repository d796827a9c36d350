import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { backlogOf, isUnhealthy, type HealthSample } from '../record/health.ts';
import type { LogAnswers } from '../record/logs.ts';
import type { CheckResultInput } from '../record/run-record.ts';
import { alertSettings, normalBacklogFor } from './alerts/rules.ts';
import { unhealthyComponents } from './health/parse.ts';

/**
 * Checks on what the run itself says. Missing evidence is `not_evaluated` (never a pass);
 * contrary evidence in the app's own answers (a component it calls stopped, logs with no
 * cron run) fails, even when no alert's window was long enough to fire.
 */

/** A component unhealthy this long without a break is a finding, not a blip. */
const COMPONENT_PERSISTS_MS = 30_000;

export function componentsCheck(samples: readonly HealthSample[]): CheckResultInput {
  const readable = samples.filter((s) => s.error === null && s.components);
  const id = 'health.components';
  const title = 'Every component the health body lists is healthy';
  if (readable.length === 0) return { id, title, status: 'skip', summary: 'the health body lists no components', evidence: {} };
  const streaks = new Map<string, { from: number; to: number; n: number; longestMs: number; longestN: number; count: number }>();
  for (const sample of readable) {
    const bad = new Set(unhealthyComponents(sample.components));
    for (const [name, s] of streaks) if (!bad.has(name)) streaks.set(name, { ...s, n: 0 });
    for (const name of bad) {
      const s = streaks.get(name) ?? { from: sample.tMs, to: sample.tMs, n: 0, longestMs: 0, longestN: 0, count: 0 };
      const from = s.n === 0 ? sample.tMs : s.from;
      const n = s.n + 1;
      streaks.set(name, { from, to: sample.tMs, n, longestMs: Math.max(s.longestMs, sample.tMs - from), longestN: Math.max(s.longestN, n), count: s.count + 1 });
    }
  }
  const evidence = {
    samples: readable.length,
    unhealthy: Object.fromEntries([...streaks].map(([name, s]) => [name, { samples: s.count, longestMs: s.longestMs }])),
  };
  if (streaks.size === 0) return { id, title, status: 'pass', summary: `${Object.keys(readable.at(-1)!.components!).length} components healthy in ${readable.length} samples`, evidence };
  // Persistent: 30 s without a break, or every sample of a run too short for that.
  const persistent = [...streaks].filter(([, s]) => s.longestMs >= COMPONENT_PERSISTS_MS || (s.count === readable.length && readable.length >= 2));
  const describe = ([name, s]: [string, { count: number; longestMs: number }]) => `${name} in ${s.count} of ${readable.length} samples (longest ${formatDuration(s.longestMs)})`;
  if (persistent.length) return { id, title, status: 'fail', summary: `the app reports ${persistent.map(describe).join('; ')}`, evidence };
  return { id, title, strict: false, status: 'warn', summary: `brief: ${[...streaks].map(describe).join('; ')}`, evidence };
}

export interface LogEvidence {
  /** When the log source was attached and when the run ended. */
  fromMs: number;
  toMs: number;
  answers: LogAnswers;
}

/** Logs that were asked for must arrive: an empty file or a silent drain is not "no failures". */
export function logsReceivedCheck(logs: LogEvidence): CheckResultInput {
  const { lines } = logs.answers;
  const id = 'logs.received';
  const title = 'The app logs asked for arrived';
  const evidence = { lines: lines.total, events: lines.events, unreadable: lines.unreadable };
  if (lines.total === 0) {
    return { id, title, status: 'not_evaluated', summary: 'no log line arrived from the log source in the whole run (wrong path, empty file, or a drain nothing posts to): the log-based alerts were not evaluated', evidence };
  }
  if (lines.events === 0 && lines.withoutEvent === 0) {
    return { id, title, status: 'not_evaluated', summary: `${lines.total} lines arrived but none was a JSON log record: the log-based alerts were not evaluated`, evidence };
  }
  return { id, title, status: 'pass', summary: `${lines.total} lines, ${lines.events} events`, evidence };
}

/**
 * Did the worker run? Any `background_job_cron.*` event says the cron fired. Judged only over
 * at least two cron periods of logs: a shorter run may fall between two runs of a healthy cron.
 */
export function logsWorkerCheck(logs: LogEvidence, config: DrillConfig): CheckResultInput {
  const periodMs = alertSettings(config, 'worker_cron_failing').cronPeriodMs;
  const spanMs = logs.toMs - logs.fromMs;
  const cronEvents = logs.answers.families.background_job_cron ?? 0;
  const id = 'logs.worker';
  const title = 'The logs show the worker cron running';
  const evidence = { cronEvents, cronRuns: logs.answers.workerRan.runs, spanMs, cronPeriodMs: periodMs };
  if (cronEvents > 0) return { id, title, status: 'pass', summary: `${cronEvents} cron events (${logs.answers.workerRan.runs} runs) in ${formatDuration(spanMs)}`, evidence };
  if (logs.answers.lines.events === 0) return { id, title, status: 'not_evaluated', summary: 'no log event arrived to tell', evidence };
  if (spanMs < 2 * periodMs) {
    return { id, title, status: 'skip', summary: `no cron event yet, but ${formatDuration(spanMs)} of logs is under two cron periods (${formatDuration(periodMs)} each)`, evidence };
  }
  return { id, title, status: 'fail', summary: `the logs show no cron run in ${formatDuration(spanMs)} (cron period ${formatDuration(periodMs)}): the worker is not running`, evidence };
}

export interface BaselineVerdict {
  /** The backlog to learn "normal" from, or null when the baseline may not be trusted. */
  backlog: number | null;
  learned: boolean;
  /** Why the runbook value applies instead, when it does. */
  reason: string | null;
}

/**
 * "Normal" is learned from the pre-load baseline only when that baseline breaks no runbook
 * rule: a stopped worker's growing backlog is not normal. Otherwise the configured normal
 * (the runbook's) applies, and the record says why.
 */
export function judgeBaseline(samples: readonly HealthSample[], config: DrillConfig): BaselineVerdict {
  const withQueue = samples.filter((s) => s.queue);
  if (withQueue.length === 0) return { backlog: null, learned: false, reason: 'no queue snapshot during the baseline' };
  const problems: string[] = [];
  const unhealthy = samples.filter(isUnhealthy);
  if (unhealthy.length) problems.push(`health was unhealthy in ${unhealthy.length} of ${samples.length} samples`);
  const components = [...new Set(samples.flatMap((s) => unhealthyComponents(s.components)))];
  if (components.length) problems.push(`the app reported ${components.join(', ')}`);
  const ageLimit = alertSettings(config, 'oldest_ready_age_high').threshold!;
  const oldest = Math.max(...withQueue.map((s) => s.queue!.oldest_ready_age_seconds ?? 0));
  if (oldest > ageLimit) problems.push(`the oldest ready job was ${oldest}s old (limit ${ageLimit}s)`);
  const deadLetter = withQueue.map((s) => s.queue!.dead_letter);
  if (Math.max(...deadLetter) > Math.min(...deadLetter)) problems.push('dead-letter rose');
  const backlog = Math.max(...withQueue.map((s) => backlogOf(s)!));
  if (problems.length) {
    return { backlog: null, learned: false, reason: `not learned from the baseline (${problems.join('; ')}): the runbook normal of ${normalBacklogFor(config, null)} applies` };
  }
  return { backlog, learned: true, reason: null };
}
