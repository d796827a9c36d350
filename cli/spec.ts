/**
 * Commands and flags are declared once, as data; parsing and --help are generated from it.
 */
export type FlagType = 'string' | 'boolean' | 'duration' | 'int' | 'url' | 'path';

export interface FlagSpec {
  type: FlagType;
  description: string;
  multiple?: boolean;
  /** Shown in help; the real default lives in the config schema or the command. */
  default?: string;
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
}

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
