import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ALERT_IDS } from '../alert-ids.ts';
import { UsageError, describeError } from '../errors.ts';
import { ConfigSchema, type DrillConfig } from './schema.ts';

export const CONFIG_FILE_NAMES = ['drill.config.ts', 'drill.config.mjs', 'drill.config.json'] as const;

export interface LoadedConfig {
  config: DrillConfig;
  /** The file the config came from, or null when only defaults and flags apply. */
  source: string | null;
}

export interface LoadConfigOptions {
  cwd: string;
  /** --config; when absent, drill.config.{ts,mjs,json} in cwd is used if present. */
  file?: string;
  /** Values from flags, in the input shape; they win over the file. */
  overrides?: Record<string, unknown>;
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const source = findConfigFile(options.cwd, options.file);
  const fromFile = source ? await readConfigFile(source) : {};
  const merged = deepMerge(fromFile, options.overrides ?? {});
  return { config: parseConfig(merged, source ?? 'flags'), source };
}

/** Validates a config object; every problem is listed with its path, in one line. */
export function parseConfig(input: unknown, origin = 'config'): DrillConfig {
  const result = ConfigSchema.safeParse(input);
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
