import type { DrillConfig } from '../../core/config/schema.ts';
import type { AlertResult } from '../../reports/record.ts';
import type { HealthSample } from '../health/sample.ts';
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

  results(): AlertResult[] {
    return this.entries.map((entry) => {
      const { tracker, settings } = entry;
      let summary: string;
      if (!settings.enabled) summary = 'disabled by config';
      else if (entry.evaluations === 0) summary = `not evaluated: ${missingInput(entry.rule.id)}`;
      else if (tracker.firstFiredAt !== null) summary = `fired: ${entry.firedReason}; now ${tracker.state} (${entry.lastReason})`;
      else summary = `${tracker.state}: ${entry.lastReason}`;
      return tracker.toResult(summary);
    });
  }
}

function missingInput(id: string): string {
  switch (id) {
    case 'webhook_failures_spike':
      return 'no logs given (--logs or --log-drain)';
    case 'admin_auth_failures_spike':
      return 'no logs given and no load to count 401/403 answers';
    case 'health_degraded':
      return 'no samples taken';
    default:
      return 'no readable queue snapshot (is CRON_SECRET set?)';
  }
}
