import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { DrillConfig, DrillConfigInput } from '../config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { requireFile } from '../core/fs.ts';
import { secrets } from '../core/secrets.ts';
import { defaultRunDir } from '../record/run-dir.ts';
import { defaultScenario, loadScenarioFile, parseScenario } from '../scenarios/load.ts';
import type { Scenario, ScenarioInput } from '../scenarios/schema.ts';
import { mintSessionCookies, projectRefOf } from '../scenarios/sessions/mint.ts';
import { SessionRefresher } from '../scenarios/sessions/refresh.ts';
import { cookiesFromList, readCookiePool } from '../scenarios/sessions/pool.ts';
import type { LogSource } from '../signals/session.ts';

/**
 * What every library entry point accepts about where it runs and how it is configured.
 * The CLI fills these from its flags; a script fills them directly.
 */
export interface RunInputs {
  /** Relative paths (config, scenario, cookies, out) resolve against this (default: process.cwd()). */
  cwd?: string;
  /** A config file; without it, drill.config.{ts,mjs,json} in `cwd` is used when present. */
  configFile?: string;
  /** Config as drill.config takes it, merged over the file; or what loadConfig() returned. */
  config?: DrillConfigInput | LoadedConfig;
  /** The run directory (default: <config.outDir>/<time>-<kind>). Must be new or empty of runs. */
  out?: string;
  /** Where CRON_SECRET, DATABASE_URL and friends come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Abort to stop early: the run writes its partial record and returns it. */
  signal?: AbortSignal;
}

/** A log source: a file path (`-` for stdin), or a drain port to listen on. */
export type LogsInput = string | { drain: number; host?: string } | LogSource;

/** What every entry point that sends load accepts: what to load, as whom, and how far it may go. */
export interface LoadInputs extends RunInputs {
  /** A scenario file or an inline scenario (default: config, then CE Pro's route mix). */
  scenario?: ScenarioOption;
  /** A cookie pool file or the Cookie headers themselves (default: config, or stress.signIn). */
  cookies?: string | readonly string[];
  /** Default: CRON_SECRET from `env`. */
  cronSecret?: string;
  /** Hosts that may be loaded besides loopback and config's targets.allow. */
  allowTargets?: readonly string[];
  /** Leave out write routes; or send them to a non-loopback target (default: config stress.*). */
  readOnly?: boolean;
  allowWrites?: boolean;
  workers?: number;
  /** Progress lines for people; `live` ones may overwrite each other on a terminal. */
  onProgress?(line: string, live: boolean): void;
}

function isLoaded(config: RunInputs['config']): config is LoadedConfig {
  return typeof config === 'object' && config !== null && 'config' in config && 'source' in config;
}

export function cwdOf(inputs: RunInputs): string {
  return inputs.cwd ?? process.cwd();
}

/** The resolved config: a loaded one as it is, otherwise the file (if any) with `config` over it. */
export async function resolveConfig(inputs: RunInputs): Promise<DrillConfig> {
  if (isLoaded(inputs.config)) return inputs.config.config;
  return (await loadConfig({ cwd: cwdOf(inputs), file: inputs.configFile, overrides: inputs.config as Record<string, unknown> | undefined })).config;
}

export function runDirPath(inputs: RunInputs, config: DrillConfig, kind: string): string {
  const cwd = cwdOf(inputs);
  return inputs.out ? path.resolve(cwd, inputs.out) : defaultRunDir(path.resolve(cwd, config.outDir), kind);
}

/**
 * CRON_SECRET, given or from the environment. It goes into an Authorization header, so a
 * line break (a CRLF .env file) is refused here, naming the fix and never the value.
 */
export function cronSecretOf(given: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const secret = given ?? (env.CRON_SECRET || undefined);
  if (!secret) return undefined;
  secrets.add(secret);
  if (/[\r\n\0]/.test(secret)) throw new UsageError('CRON_SECRET holds a line break or NUL (a .env file with CRLF endings?); export it without one');
  return secret;
}

export function logSourceOf(cwd: string, logs: LogsInput | null | undefined): LogSource | null {
  if (logs === undefined || logs === null) return null;
  if (typeof logs === 'string') {
    if (logs === '-') return { kind: 'stdin' };
    // A file that does not exist yet is fine (the app may create it); a directory never is.
    requireFile(path.resolve(cwd, logs), '--logs');
    return { kind: 'file', path: path.resolve(cwd, logs) };
  }
  if ('kind' in logs) {
    if (logs.kind !== 'file') return logs;
    requireFile(path.resolve(cwd, logs.path), '--logs');
    return { kind: 'file', path: path.resolve(cwd, logs.path) };
  }
  return { kind: 'drain', port: logs.drain, host: logs.host };
}

/** A scenario as the library takes it: a file, one as a scenario file writes it, or one already parsed. */
export type ScenarioOption = string | ScenarioInput | Scenario;

/** A scenario file, an inline scenario, config's stress.scenario, or CE Pro's default mix. */
export async function resolveScenario(cwd: string, scenario: ScenarioOption | undefined, config: DrillConfig): Promise<Scenario> {
  const given = scenario ?? config.stress.scenario;
  if (given === undefined) return defaultScenario();
  if (typeof given === 'string') return loadScenarioFile(cwd, given);
  // Parsed scenarios carry durations as milliseconds; written ones as "3s".
  if (typeof given.thinkTime?.mean === 'number') return given as Scenario;
  return parseScenario(given, 'the scenario option');
}

/** A cookie pool file, a list of Cookie headers, config's stress.cookies, or sessions minted by stress.signIn. */
export async function resolveCookies(cwd: string, cookies: string | readonly string[] | undefined, config: DrillConfig, env: NodeJS.ProcessEnv): Promise<string[]> {
  const given = cookies ?? config.stress.cookies;
  if (typeof given === 'string') return readCookiePool(cwd, given);
  if (given) return cookiesFromList(given, 'the cookies option');
  return config.stress.signIn ? mintSessionCookies(config.stress.signIn, env) : [];
}

/**
 * The refresher for a run's sessions: minted ones (stress.signIn, unless refresh is false)
 * are refreshed before they expire; a given pool is only read for its expiries, so auth
 * failures from an expired pool are named as such.
 */
export function sessionRefresherFor(cookies: readonly string[], given: boolean, config: DrillConfig, env: NodeJS.ProcessEnv): SessionRefresher {
  const signIn = !given ? config.stress.signIn : undefined;
  if (!signIn) return new SessionRefresher(cookies, null, 'pool');
  const spec = signIn.refresh ? { url: signIn.url, projectRef: projectRefOf(signIn), anonKey: env[signIn.anonKeyEnv] ?? 'anon' } : null;
  return new SessionRefresher(cookies, spec, 'sign-in');
}

/** A run length: given, longer than 0, and within limits.maxDuration. */
export function checkDuration(command: string, durationMs: number | undefined, config: DrillConfig): number {
  if (durationMs === undefined) throw new UsageError(`drill ${command}: --duration is required; e.g. --duration 5m`);
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new UsageError(`drill ${command} --duration: must be longer than 0`);
  if (durationMs > config.limits.maxDuration) {
    throw new UsageError(
      `drill ${command} --duration: ${formatDuration(durationMs)} is over the cap of ${formatDuration(config.limits.maxDuration)}; raise limits.maxDuration in drill.config to allow it`,
    );
  }
  return durationMs;
}
