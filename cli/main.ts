import { VERSION } from '../core/version.ts';
import { ExitCode, exitCodeForSignal } from '../core/exit-codes.ts';
import { isDrillError, UsageError } from '../core/errors.ts';
import { secrets } from '../core/secrets.ts';
import { commands } from './commands/index.ts';
import { commandHelp, didYouMean, globalHelp, groupHelp } from './help.ts';
import { parseCommandLine } from './parse.ts';
import type { CliContext, CliIo, CommandSpec } from './spec.ts';


export interface MainOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: CliIo;
  stderr?: CliIo;
  /** Supply to drive interruption in-process (tests); the bin wires SIGINT/SIGTERM to it. */
  signal?: AbortSignal;
  interruptedBy?: () => NodeJS.Signals | null;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Runs one command line and returns the exit code. Never calls process.exit: the bin sets
 * process.exitCode from the return value, so cleanup always finishes first.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  secrets.addFromEnv(env);
  const stdout = redacting(options.stdout ?? { write: (text) => void process.stdout.write(text) });
  const stderr = redacting(options.stderr ?? { write: (text) => void process.stderr.write(text) });
  const ctx: CliContext = {
    cwd: options.cwd ?? process.cwd(),
    env,
    stdout,
    stderr,
    signal: options.signal ?? new AbortController().signal,
    interruptedBy: options.interruptedBy ?? (() => null),
    isTTY: options.isTTY ?? false,
    columns: options.columns ?? 80,
    output: { json: false, quiet: false },
  };
  try {
    return await dispatch(argv, ctx);
  } catch (error) {
    if (isDrillError(error)) {
      stderr.write(`drill: ${error.message}\n`);
      return error.exitCode;
    }
    // Unexpected: a bug or an unanticipated environment problem. Show the stack.
    stderr.write(`drill: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.cannotRun;
  } finally {
    const signal = ctx.interruptedBy();
    if (signal) stderr.write(`drill: stopped by ${signal}\n`);
  }
}

async function dispatch(argv: string[], ctx: CliContext): Promise<number> {
  const [first] = argv;
  if (first === '--version' || first === '-v') {
    ctx.stdout.write(`${VERSION}\n`);
    return ExitCode.pass;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? findCommand(argv.slice(1)) : null;
    const text = topic ? commandHelp(topic.spec) : globalHelp(commands, VERSION);
    (first === undefined ? ctx.stderr : ctx.stdout).write(text);
    return first === undefined ? ExitCode.usage : ExitCode.pass;
  }
  const found = findCommand(argv);
  if (!found) {
    // `drill k6`: a group of commands; its help lists them.
    const group = commands.filter((c) => c.name.split(' ').length > 1 && c.name.split(' ')[0] === first);
    if (group.length && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      ctx.stdout.write(groupHelp(first!, group));
      return ExitCode.pass;
    }
    // The command is one word, or two for a group (`k6 export`): never a flag's value.
    const words = argv.filter((a) => !a.startsWith('-'));
    const grouped = commands.some((c) => c.name.startsWith(`${words[0]} `));
    const asked = (grouped ? words.slice(0, 2) : words.slice(0, 1)).join(' ');
    const near = didYouMean(asked, commands.map((c) => c.name));
    throw new UsageError(`unknown command "${asked}"${near ? `; did you mean drill ${near}?` : ''} (commands: ${commands.map((c) => c.name).join(', ')})`);
  }
  const parsed = parseCommandLine(found.spec, argv.slice(found.words));
  if (parsed.help) {
    ctx.stdout.write(commandHelp(found.spec));
    return ExitCode.pass;
  }
  if ('json' in found.spec.flags && 'quiet' in found.spec.flags) {
    const flags = parsed.flags as Record<string, unknown>;
    ctx.output = { json: flags.json === true, quiet: flags.quiet === true };
  }
  const code = await found.spec.run({ flags: parsed.flags, positionals: parsed.positionals }, ctx);
  const signal = ctx.interruptedBy();
  return signal && !found.spec.stopsOnSignal && code !== ExitCode.usage ? exitCodeForSignal(signal) : code;
}

/** Matches the longest command name ("k6 export" before "k6"). */
function findCommand(argv: string[]): { spec: CommandSpec; words: number } | null {
  let best: { spec: CommandSpec; words: number } | null = null;
  for (const spec of commands) {
    const words = spec.name.split(' ');
    if (words.every((word, i) => argv[i] === word) && (!best || words.length > best.words)) {
      best = { spec, words: words.length };
    }
  }
  return best;
}

function redacting(io: CliIo): CliIo {
  return { write: (text) => io.write(secrets.redact(text)) };
}
