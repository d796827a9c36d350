import { UsageError } from '../core/errors.ts';
import type { ThresholdSpec } from './evaluate.ts';
import { parseThreshold } from './parse.ts';

/** A threshold as config and profiles write it: the expression, or it with its abort rule. */
export type ThresholdEntry = string | { threshold: string; abortOnFail: boolean; delayAbortEval: number };

/**
 * Parses a route-keyed threshold list once, into the specs every engine is judged by.
 * A key that names no route is an error: a typo would otherwise judge nothing and pass.
 * `routeNames` null skips that check (k6 ingest without the scenario's names).
 */
export function resolveThresholdSpecs(entries: Record<string, readonly ThresholdEntry[]>, routeNames: readonly string[] | null): ThresholdSpec[] {
  const names = routeNames ? new Set(routeNames) : null;
  const specs: ThresholdSpec[] = [];
  for (const [key, list] of Object.entries(entries)) {
    if (names && key !== 'overall' && !names.has(key)) {
      throw new UsageError(`thresholds.${key}: no route has that name; use overall or one of: ${[...names].join(', ')}`);
    }
    for (const entry of list) {
      const text = typeof entry === 'string' ? entry : entry.threshold;
      const threshold = parseThreshold(text);
      if (key !== 'overall' && (threshold.metric === 'dropped' || threshold.metric === 'dropped_rate')) {
        throw new UsageError(`thresholds.${key}: ${threshold.metric} is counted overall only (an arrival is dropped before it has a route); move "${text}" under overall`);
      }
      specs.push({
        key,
        threshold,
        abortOnFail: typeof entry === 'string' ? false : entry.abortOnFail,
        delayAbortEvalMs: typeof entry === 'string' ? 0 : entry.delayAbortEval,
      });
    }
  }
  return specs;
}
