import type { AlertId } from '../../core/alert-ids.ts';
import type { DrillConfig } from '../../config/schema.ts';
import { formatDuration } from '../../core/duration.ts';
import { backlogOf, isUnhealthy, type HealthSample } from '../../record/health.ts';
import type { SignalState } from './signal-state.ts';

export interface RuleSettings {
  enabled: boolean;
  forMs: number;
  /** null only where the rule derives its number from the baseline. */
  threshold: number | null;
  cronPeriodMs: number;
  windowMs: number;
  factor: number;
  /** "Normal" backlog when neither a threshold nor a measured baseline exists (alerts.queue_backlog_high.normal). */
  normal: number;
}

/** The rule's judgement at one evaluation; null means "no data": the alert holds its state. */
export interface Condition {
  active: boolean;
  value: number | null;
  reason: string;
}

export interface AlertRule {
  id: AlertId;
  title: string;
  /** What the threshold counts. */
  unit: string;
  /** The runbook's numbers. */
  defaults: Omit<RuleSettings, 'enabled'>;
  evaluate(state: SignalState, sample: HealthSample, settings: RuleSettings): Condition | null;
}

const MINUTE = 60_000;
// `normal` is the runbook's "normal backlog" where nothing was measured: 10 jobs.
const base = { threshold: null, cronPeriodMs: MINUTE, windowMs: 5 * MINUTE, factor: 3, normal: 10 };

/**
 * "Above normal" backlog when no number is configured: the baseline plus the larger of
 * 10 jobs and half the baseline. A queue that idles at 0 alerts above 10; one that idles
 * at 400 alerts above 600. The 10-minute `for:` is what keeps bursts from paging.
 */
export function normalBacklog(baseline: number | null, threshold: number | null, fallback: number): number {
  if (threshold !== null) return threshold;
  // Without a measured baseline (watch, validate) the configured normal applies: the first
  // sample is no baseline, since a watch may start in the middle of an incident.
  if (baseline === null) return fallback;
  return baseline + Math.max(10, Math.ceil(baseline / 2));
}

/** The runbook's seven baseline alerts (docs/contracts/cepro.md), as data. */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    id: 'health_degraded',
    title: 'Health degraded for more than 2 minutes',
    unit: '',
    defaults: { ...base, forMs: 2 * MINUTE },
    // An unreachable or unreadable health route counts as degraded: a dead app is not healthy.
    evaluate: (_state, sample) => ({
      active: isUnhealthy(sample),
      value: sample.httpStatus,
      reason: sample.error ?? (sample.degraded ? `health says ${sample.status ?? `HTTP ${sample.httpStatus}`}` : 'healthy'),
    }),
  },
  {
    id: 'queue_backlog_high',
    title: 'Backlog (pending + retrying) above normal for 10 minutes',
    unit: 'jobs',
    defaults: { ...base, forMs: 10 * MINUTE },
    evaluate: (state, sample, settings) => {
      const backlog = backlogOf(sample);
      const normal = normalBacklog(state.baselineBacklog, settings.threshold, settings.normal);
      if (backlog === null) return null;
      return { active: backlog > normal, value: backlog, reason: `backlog ${backlog} (normal up to ${normal})` };
    },
  },
  {
    id: 'oldest_ready_age_high',
    title: 'Oldest ready job older than 5 minutes',
    unit: 'seconds',
    defaults: { ...base, forMs: 0, threshold: 300 },
    evaluate: (_state, sample, settings) => {
      if (!sample.queue) return null;
      const age = sample.queue.oldest_ready_age_seconds ?? 0;
      return { active: age > settings.threshold!, value: age, reason: `oldest ready job ${age}s old (limit ${settings.threshold}s)` };
    },
  },
  {
    id: 'dead_letter_nonzero',
    title: 'Dead-letter count rises',
    unit: 'jobs over the starting count',
    defaults: { ...base, forMs: 0, threshold: 0 },
    // Fires on an increase over the lowest count seen this run: a pre-existing dead letter
    // is a cutover check's business (queue.dead_letter_zero), not this run's regression.
    evaluate: (state, sample, settings) => {
      if (!sample.queue || state.minDeadLetter === null) return null;
      const increase = sample.queue.dead_letter - state.minDeadLetter;
      return {
        active: increase > settings.threshold!,
        value: sample.queue.dead_letter,
        reason: `dead_letter ${sample.queue.dead_letter} (lowest this run ${state.minDeadLetter})`,
      };
    },
  },
  {
    id: 'worker_cron_failing',
    title: 'Worker cron failing or not running',
    unit: 'cron periods without progress',
    defaults: { ...base, forMs: 0, threshold: 3 },
    evaluate: (state, sample, settings) => {
      const since = state.lastWorkerProgressAt;
      if (since === null) return null;
      const quietMs = sample.tMs - since;
      const limitMs = settings.threshold! * settings.cronPeriodMs;
      const how = state.cronEventsSeen ? 'no successful cron run in the logs' : 'ready work not moving';
      return {
        active: quietMs > limitMs,
        value: Math.round(quietMs / 1000),
        reason: `${how} for ${formatDuration(quietMs)} (limit ${settings.threshold} x ${formatDuration(settings.cronPeriodMs)})`,
      };
    },
  },
  spikeRule('webhook_failures_spike', 'Webhook delivery failures spike', 'webhook', 5),
  spikeRule('admin_auth_failures_spike', 'Admin auth failures spike', 'auth', 10),
];

function spikeRule(id: AlertId, title: string, series: 'webhook' | 'auth', minCount: number): AlertRule {
  return {
    id,
    title,
    unit: 'failures in the window (minimum)',
    defaults: { ...base, forMs: 0, threshold: minCount },
    // A spike: at least `threshold` failures in the window AND more than `factor` times
    // what the baseline rate predicts for a window that long.
    evaluate: (state, sample, settings) => {
      if (!state.hasSeries(series)) return null;
      const count = state.countSince(series, sample.tMs - settings.windowMs, sample.tMs);
      const expected = state.baselineRate(series) * settings.windowMs;
      const limit = Math.max(settings.threshold!, settings.factor * expected);
      return {
        active: count >= settings.threshold! && count > settings.factor * expected,
        value: count,
        reason: `${count} in the last ${formatDuration(settings.windowMs)} (spike at ${Math.ceil(limit)}; baseline ${expected.toFixed(1)})`,
      };
    },
  };
}

/** Runbook defaults overlaid with the config's overrides. */
export function resolveRuleSettings(rule: AlertRule, config: DrillConfig): RuleSettings {
  const override = (config.alerts[rule.id] ?? {}) as {
    enabled?: boolean;
    for?: number;
    threshold?: number;
    normal?: number;
    cronPeriod?: number;
    window?: number;
    factor?: number;
  };
  return {
    enabled: override.enabled ?? true,
    forMs: override.for ?? rule.defaults.forMs,
    threshold: override.threshold ?? rule.defaults.threshold,
    cronPeriodMs: override.cronPeriod ?? rule.defaults.cronPeriodMs,
    windowMs: override.window ?? rule.defaults.windowMs,
    factor: override.factor ?? rule.defaults.factor,
    normal: override.normal ?? rule.defaults.normal,
  };
}

/**
 * One alert's settings as this config resolves them. Every number the runbook gives
 * (thresholds, windows, the normal backlog) is read through here, by the alerts and by
 * the stress and validate checks alike, so each is defined once.
 */
export function alertSettings(config: DrillConfig, id: AlertId): RuleSettings {
  return resolveRuleSettings(ALERT_RULES.find((r) => r.id === id)!, config);
}

/** The backlog the queue must fall back to: configured, else learned from the baseline, else the runbook's. */
export function normalBacklogFor(config: DrillConfig, baselineBacklog: number | null): number {
  const settings = alertSettings(config, 'queue_backlog_high');
  return normalBacklog(baselineBacklog, settings.threshold, settings.normal);
}
