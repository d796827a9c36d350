import type { DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';

/** 127.0.0.0/8, ::1 and localhost: the only targets that need no allow-list entry. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface LoadPlan {
  target: string;
  peakUsers: number;
  /** Expected peak requests per second (users / mean think time; users x 1000 / latency for a closed loop). */
  peakRatePerSecond: number;
  durationMs: number;
  allowTargets: string[];
}

/**
 * Load only goes where the user points it, within caps. A non-loopback host must be in
 * targets.allow (or --allow-target); users, rate and duration are capped by `limits`.
 */
export function checkLoadSafety(plan: LoadPlan, config: DrillConfig): void {
  checkTarget(plan.target, plan.allowTargets, config);
  checkCaps(plan, config);
}

/** A non-loopback host must be in targets.allow or the run's own allow list. */
export function checkTarget(target: string, allowTargets: readonly string[], config: DrillConfig): void {
  const host = new URL(target).hostname;
  const allowed = [...config.targets.allow, ...allowTargets].map((h) => h.toLowerCase());
  if (!isLoopback(host) && !allowed.includes(host.toLowerCase())) {
    throw new UsageError(
      `--target: ${host} is not loopback and not allow-listed; add it to targets.allow in drill.config or pass --allow-target ${host}`,
      'E_TARGET_NOT_ALLOWED',
    );
  }
}

/** Users, rate and duration within `limits`. */
export function checkCaps(plan: Pick<LoadPlan, 'peakUsers' | 'peakRatePerSecond' | 'durationMs'>, config: DrillConfig): void {
  const { limits } = config;
  if (plan.peakUsers > limits.maxUsers) {
    throw new UsageError(`--users: ${plan.peakUsers} users is over the cap of ${limits.maxUsers}; raise limits.maxUsers in drill.config to allow it`);
  }
  if (plan.peakRatePerSecond > limits.maxRatePerSecond) {
    throw new UsageError(
      `the plan reaches about ${Math.round(plan.peakRatePerSecond)} requests/s, over the cap of ${limits.maxRatePerSecond}; lower --users or --rate, or raise limits.maxRatePerSecond`,
    );
  }
  if (plan.durationMs > limits.maxDuration) {
    throw new UsageError(`--duration: ${formatDuration(plan.durationMs)} is over the cap of ${formatDuration(limits.maxDuration)}; raise limits.maxDuration in drill.config to allow it`);
  }
}
