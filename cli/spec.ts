/**
 * Commands and flags are declared once, as data; parsing and --help are generated from it.
 */
export type FlagType = 'string' | 'boolean' | 'duration' | 'int' | 'url' | 'path';

export interface FlagSpec {
  type: FlagType;
  description: string;
  multiple?: boolean;
  /** Shown in help: a function reading the schema that applies it (cli/flag-defaults.ts), or a literal for flags no schema holds. */
  default?: string | (() => string);
  /** Placeholder in help, e.g. URL, N, FILE. */
  valueName?: string;
  /** Lower bound for int flags. */
  min?: number;
  /** Upper bound for int flags. */
  max?: number;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Takes every remaining argument (FILE…); only the last positional may. */
  variadic?: boolean;
}

type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F['type'] extends 'duration' | 'int'
    ? number
    : string;

export type ParsedFlags<Flags extends Record<string, FlagSpec>> = {
  [K in keyof Flags]?: Flags[K]['multiple'] extends true ? FlagValue<Flags[K]>[] : FlagValue<Flags[K]>;
};

export interface CliIo {
  write(text: string): void;
}

export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: CliIo;
  stderr: CliIo;
  /** Aborted on SIGINT or SIGTERM; long-running commands stop, write what they have, and return. */
  signal: AbortSignal;
  /** The signal that aborted `signal`, once it has. */
  interruptedBy(): NodeJS.Signals | null;
  isTTY: boolean;
  /** Terminal width for live lines (80 when unknown). */
  columns: number;
  /** --json: the record on stdout; --quiet: no progress lines. Set for commands that declare OUTPUT_FLAGS. */
  output: { json: boolean; quiet: boolean };
}

/** The flags every command that writes a run record takes. */
export const OUTPUT_FLAGS = {
  json: { type: 'boolean', description: 'Print the run record as JSON on stdout (the summary goes to stderr), for piping' },
  quiet: { type: 'boolean', description: 'No progress lines; only the verdict (and with --json, only the record)' },
} as const satisfies Record<string, FlagSpec>;

/** The flags of every command that loads a target with sessions: the pool, the mix, the safety switches, the app's logs. */
export const LOAD_FLAGS = {
  cookies: { type: 'path', description: 'Cookie pool: one Cookie header per line, or a JSON array' },
  scenario: { type: 'path', description: 'Scenario file (JSON, YAML or module); default: the CE Pro route mix' },
  workers: { type: 'int', min: 1, max: 64, description: 'Load worker threads (default: cores - 1)' },
  'allow-target': { type: 'string', multiple: true, valueName: 'HOST', description: 'Allow loading this non-loopback host' },
  'read-only': { type: 'boolean', description: 'Leave out the write routes (the campaign enqueue): the first drill against a real app' },
  'allow-writes': { type: 'boolean', description: 'Send write routes to a non-loopback target (they enqueue real jobs there)' },
  logs: { type: 'path', description: 'Follow the app JSON log file while the load runs' },
  'log-drain': { type: 'int', min: 0, max: 65535, valueName: 'PORT', description: 'Open a log-drain endpoint on this port' },
  config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
} as const satisfies Record<string, FlagSpec>;

export interface CommandInput<Flags extends Record<string, FlagSpec>> {
  flags: ParsedFlags<Flags>;
  positionals: string[];
}

export interface CommandSpec<Flags extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  /** One or more words: "sandbox", "k6 export". */
  name: string;
  summary: string;
  /** Extra help text after the flags. */
  details?: string;
  positionals?: PositionalSpec[];
  flags: Flags;
  examples?: string[];
  /** A signal is this command's normal way to stop (servers): its own exit code stands. */
  stopsOnSignal?: boolean;
  /** Returns the exit code. Throws DrillError for expected failures. */
  run(input: CommandInput<Flags>, ctx: CliContext): Promise<number>;
}

/** Keeps the literal flag types so `run` sees typed values. */
export function defineCommand<const Flags extends Record<string, FlagSpec>>(spec: CommandSpec<Flags>): CommandSpec<Flags> {
  return spec;
}
