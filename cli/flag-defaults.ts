import { ConfigSchema, type DrillConfig } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import type { AlertId } from '../core/alert-ids.ts';
import { SandboxOptions } from '../sandbox/options.ts';
import { alertSettings, type RuleSettings } from '../signals/alerts/rules.ts';

/**
 * Defaults shown in --help, read from the schemas that apply them, so help can never say
 * one number while the code uses another. Each returns a thunk: help renders it on demand.
 */
let configDefaults: DrillConfig | null = null;
const config = () => (configDefaults ??= ConfigSchema.parse({}));

export const asDuration = (v: unknown) => formatDuration(v as number);
export const asPercent = (v: unknown) => `${Number(((v as number) * 100).toFixed(2))}%`;
export const asPoints = (v: unknown) => `${Number(((v as number) * 100).toFixed(2))}pp`;

/** A config key's default, e.g. fromConfig('watch.interval', asDuration) -> "5s". */
export function fromConfig(key: string, show: (v: unknown) => string = String): () => string {
  return () => show(key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], config()));
}

/** A runbook alert number, e.g. the cron period. */
export function fromAlert(id: AlertId, field: keyof RuleSettings, show: (v: unknown) => string = String): () => string {
  return () => show(alertSettings(config(), id)[field]);
}

export function fromSandbox(key: keyof ReturnType<typeof SandboxOptions.parse>, show: (v: unknown) => string = String): () => string {
  return () => show(SandboxOptions.parse({})[key]);
}
