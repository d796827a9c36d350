import type { DrillConfig } from '../../config/schema.ts';
import type { AlertResult } from '../../record/run-record.ts';
import type { HealthSample } from '../../record/health.ts';
import type { LogEvent } from '../logs/parse.ts';
import { ALERT_RULES, resolveRuleSettings, type AlertRule, type RuleSettings } from './rules.ts';
import { SignalState } from './signal-state.ts';
import { AlertTracker, type Transition } from './tracker.ts';

interface Entry {
  rule: AlertRule;
  settings: RuleSettings;
  tracker: AlertTracker;
  evaluations: number;
  lastReason: string | null;
  firedReason: string | null;
}

export type TransitionListener = (id: string, transition: Transition) => void;

/** Runs every enabled rule on every sample and keeps each alert's timeline. */
export class AlertEvaluator {
  readonly state = new SignalState();
  private readonly entries: Entry[];

  constructor(
    config: DrillConfig,
    private readonly onTransition: TransitionListener = () => {},
    rules: readonly AlertRule[] = ALERT_RULES,
  ) {
    this.entries = rules.map((rule) => {
      const settings = resolveRuleSettings(rule, config);
      return { rule, settings, tracker: new AlertTracker(rule.id, settings.forMs), evaluations: 0, lastReason: null, firedReason: null };
    });
  }

  observeSample(sample: HealthSample): void {
    this.state.observeSample(sample);
    for (const entry of this.entries) {
      if (!entry.settings.enabled) continue;
      const condition = entry.rule.evaluate(this.state, sample, entry.settings);
      if (!condition) continue;
      entry.evaluations += 1;
      entry.lastReason = condition.reason;
      const transition = entry.tracker.update(sample.tMs, condition.active, condition.value, condition.reason);
      if (transition) {
        if (transition.state === 'firing') entry.firedReason = condition.reason;
        this.onTransition(entry.rule.id, transition);
      }
    }
  }

  observeLogEvent(event: LogEvent): void {
    this.state.observeLogEvent(event);
  }

  firing(): string[] {
    return this.entries.filter((e) => e.tracker.state === 'firing').map((e) => e.rule.id);
  }

  /**
   * One result per rule. A rule that never had its input, or is disabled, is
   * `not_evaluated` with the reason: "inactive" would claim it watched and saw nothing.
   */
  results(): AlertResult[] {
    return this.entries.map((entry) => {
      const { tracker, settings } = entry;
      if (!settings.enabled) return { ...tracker.toResult('not evaluated: disabled by config'), state: 'not_evaluated' };
      if (entry.evaluations === 0) return { ...tracker.toResult(`not evaluated: ${missingInput(entry.rule.id, this.state)}`), state: 'not_evaluated' };
      const summary = tracker.firstFiredAt !== null ? `fired: ${entry.firedReason}; now ${tracker.state} (${entry.lastReason})` : `${tracker.state}: ${entry.lastReason}`;
      return tracker.toResult(summary);
    });
  }
}

function missingInput(id: string, state: SignalState): string {
  const logs = state.logsAttached ? 'logs were asked for but no log line arrived' : 'no logs given (--logs or --log-drain)';
  switch (id) {
    case 'webhook_failures_spike':
      return logs;
    case 'admin_auth_failures_spike':
      return `${logs}, and no load to count 401/403 answers`;
    case 'worker_cron_failing':
      return 'no readable queue snapshot (is CRON_SECRET set?) and no cron events in the logs';
    case 'health_degraded':
      return 'no samples taken';
    default:
      return 'no readable queue snapshot (is CRON_SECRET set?)';
  }
}
