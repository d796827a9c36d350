import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ALERT_IDS } from '../core/alert-ids.ts';
import { UsageError, describeError } from '../core/errors.ts';
import { migrateDeprecated } from './deprecations.ts';
import { ConfigSchema, type DrillConfig } from './schema.ts';

function emitDeprecation(line: string): void {
  process.emitWarning(line, { type: 'DeprecationWarning', code: 'DRILL_CONFIG_DEPRECATED' });
}

export const CONFIG_FILE_NAMES = ['drill.config.ts', 'drill.config.mjs', 'drill.config.json'] as const;

export interface LoadedConfig {
  config: DrillConfig;
  /** The file the config came from, or null when only defaults and flags apply. */
  source: string | null;
  /** One line per deprecated key found (the CLI prints them; the values were moved, not lost). */
  warnings?: string[];
}

export interface LoadConfigOptions {
  cwd: string;
  /** --config; when absent, drill.config.{ts,mjs,json} in cwd is used if present. */
  file?: string;
  /** Values from flags, in the input shape; they win over the file. */
  overrides?: Record<string, unknown>;
}

/** A config already parsed (parseConfig), in the shape loadConfig returns: for library calls. */
export function resolvedConfig(config: DrillConfig): LoadedConfig {
  return { config, source: null };
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const source = findConfigFile(options.cwd, options.file);
  const fromFile = source ? await readConfigFile(source) : {};
  const merged = deepMerge(fromFile, options.overrides ?? {});
  const warnings: string[] = [];
  return { config: parseConfig(merged, source ?? 'flags', (line) => warnings.push(line)), source, warnings };
}

/**
 * Validates a config object; every problem is listed with its path, in one line.
 * Deprecated keys are moved to their new place, each said once through `onWarning`
 * (default: a Node DeprecationWarning, for library callers).
 */
export function parseConfig(input: unknown, origin = 'config', onWarning: (line: string) => void = emitDeprecation): DrillConfig {
  const migrated = migrateDeprecated(input);
  for (const line of migrated.warnings) onWarning(line);
  const result = ConfigSchema.safeParse(migrated.input);
  if (result.success) return result.data;
  throw new UsageError(`config error in ${origin}: ${formatIssues(result.error.issues)}`, 'E_CONFIG');
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.join(', ');
        const known = where === 'alerts' ? `alert ids are ${ALERT_IDS.join(', ')}` : 'check the spelling; see docs/configuration.md';
        return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} (${known})`;
      }
      // A record key that fails its own schema: say why, not just "Invalid key in record".
      if (issue.code === 'invalid_key') return `${where}: ${issue.issues.map((inner) => inner.message).join(', ')}`;
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function findConfigFile(cwd: string, explicit?: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) throw new UsageError(`--config: no such file ${explicit}; pass the path of a drill.config.{ts,mjs,json}`);
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(cwd, name);
    if (existsSync(file)) return file;
  }
  return null;
}

async function readConfigFile(file: string): Promise<unknown> {
  const shown = path.basename(file);
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`config error in ${shown}: not valid JSON (${describeError(error)})`, 'E_CONFIG');
    }
  }
  let module: Record<string, unknown>;
  try {
    if (file.endsWith('.ts')) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new UsageError(`config error in ${shown}: could not load it (${describeError(error).split('\n')[0]})`, 'E_CONFIG');
  }
  let value = module.default ?? module.config;
  // A .ts file outside an ESM package loads as CommonJS: its exports arrive one level down.
  if (isPlainObject(value) && 'default' in value && Object.keys(value).every((k) => k === 'default' || k === '__esModule')) {
    value = value.default;
  }
  if (value === undefined) {
    throw new UsageError(`config error in ${shown}: no default export; write export default defineConfig({ ... })`, 'E_CONFIG');
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `over` into `base`; plain objects merge key by key, everything else is replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = deepMerge(base[key], value);
  }
  return out;
}
