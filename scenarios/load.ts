import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { formatIssues } from '../config/load.ts';
import { UsageError, describeError } from '../core/errors.ts';
import { DEFAULT_SCENARIO } from './default.ts';
import { ScenarioSchema, routeName, type Scenario, type ScenarioInput } from './schema.ts';

/** Validates a scenario; route names must be unique since thresholds refer to them. */
export function parseScenario(input: unknown, origin: string): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (!result.success) throw new UsageError(`scenario error in ${origin}: ${formatIssues(result.error.issues)}`, 'E_SCENARIO');
  const routes = result.data.routes.map((route) => ({ ...route, name: routeName(route) }));
  const seen = new Set<string>();
  for (const route of routes) {
    if (seen.has(route.name)) {
      throw new UsageError(`scenario error in ${origin}: two routes are named "${route.name}"; give one a distinct name`, 'E_SCENARIO');
    }
    seen.add(route.name);
  }
  return { ...result.data, routes };
}

export function defaultScenario(): Scenario {
  return parseScenario(DEFAULT_SCENARIO, 'the default scenario');
}

/** Reads a user scenario file: .json, .yaml/.yml, or a module (.mjs/.ts) exporting it as default. */
export async function loadScenarioFile(cwd: string, file: string): Promise<Scenario> {
  const full = path.resolve(cwd, file);
  const shown = path.basename(full);
  if (!existsSync(full)) throw new UsageError(`--scenario: no such file ${file}`);
  let input: unknown;
  try {
    if (/\.ya?ml$/.test(full)) input = parseYaml(readFileSync(full, 'utf8'));
    else if (full.endsWith('.json')) input = JSON.parse(readFileSync(full, 'utf8'));
    else if (full.endsWith('.ts')) {
      const { tsImport } = await import('tsx/esm/api');
      const mod = (await tsImport(pathToFileURL(full).href, import.meta.url)) as { default?: { default?: unknown } };
      input = mod.default && typeof mod.default === 'object' && 'default' in mod.default ? mod.default.default : mod.default;
    } else input = ((await import(pathToFileURL(full).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new UsageError(`scenario error in ${shown}: could not read it (${describeError(error).split('\n')[0]})`, 'E_SCENARIO');
  }
  return parseScenario(input, shown);
}

export type { ScenarioInput };
