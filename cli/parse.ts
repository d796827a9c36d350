import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.ts';
import { DurationError, parseDuration } from '../core/duration.ts';
import type { CommandSpec, FlagSpec, ParsedFlags } from './spec.ts';

export interface ParsedCommandLine {
  flags: ParsedFlags<Record<string, FlagSpec>>;
  positionals: string[];
  help: boolean;
}

/**
 * Parses argv for one command with Node's own parser in strict mode (unknown flags are
 * errors), then converts typed values. Every error names the flag and the fix, exit 2.
 */
export function parseCommandLine(spec: CommandSpec, argv: string[]): ParsedCommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    help: { type: 'boolean' },
  };
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = { type: flag.type === 'boolean' ? 'boolean' : 'string', multiple: flag.multiple ?? false };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`drill ${spec.name}: ${explainParseError(error, spec)}; see drill ${spec.name} --help`);
  }
  const values = parsed.values as Record<string, unknown>;
  const flags: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    const raw = values[name];
    if (raw === undefined) continue;
    flags[name] = Array.isArray(raw) ? raw.map((item) => convert(spec, name, flag, item)) : convert(spec, name, flag, raw);
  }
  const required = (spec.positionals ?? []).filter((p) => p.required);
  const help = values.help === true;
  if (!help && parsed.positionals.length < required.length) {
    const missing = required[parsed.positionals.length]!;
    throw new UsageError(`drill ${spec.name}: missing ${missing.name} (${missing.description}); see drill ${spec.name} --help`);
  }
  const allowed = spec.positionals?.at(-1)?.variadic ? Number.POSITIVE_INFINITY : (spec.positionals?.length ?? 0);
  if (!help && parsed.positionals.length > allowed) {
    const extra = parsed.positionals[allowed]!;
    throw new UsageError(`drill ${spec.name}: unexpected argument "${extra}"; flags start with --, see drill ${spec.name} --help`);
  }
  return { flags: flags as ParsedFlags<Record<string, FlagSpec>>, positionals: parsed.positionals, help };
}

function convert(spec: CommandSpec, name: string, flag: FlagSpec, raw: unknown): unknown {
  const where = `drill ${spec.name} --${name}`;
  if (flag.type === 'boolean') return raw;
  const text = String(raw);
  switch (flag.type) {
    case 'duration':
      try {
        return parseDuration(text);
      } catch (error) {
        throw new UsageError(`${where}: ${error instanceof DurationError ? error.message : String(error)}`);
      }
    case 'int': {
      if (!/^-?\d+$/.test(text)) throw new UsageError(`${where}: "${text}" is not a whole number`);
      const value = Number(text);
      if (flag.min !== undefined && value < flag.min) throw new UsageError(`${where}: ${value} is below the minimum ${flag.min}`);
      if (flag.max !== undefined && value > flag.max) throw new UsageError(`${where}: ${value} is above the maximum ${flag.max}`);
      return value;
    }
    case 'url':
      if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) {
        throw new UsageError(`${where}: "${text}" is not an http(s) URL; use e.g. http://127.0.0.1:3999`);
      }
      return text.replace(/\/+$/, '');
    default:
      if (text === '') throw new UsageError(`${where}: needs a value`);
      return text;
  }
}

function explainParseError(error: unknown, spec: CommandSpec): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const known = Object.keys(spec.flags).map((f) => `--${f}`);
    const near = known.find((k) => k.startsWith(flag.slice(0, 5)));
    return `unknown flag ${flag}${near ? ` (did you mean ${near}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const name = flag.replace(/^-+/, '');
    const def = spec.flags[name];
    return def?.type === 'boolean' ? `${flag} takes no value` : `${flag} needs a value`;
  }
  return message.split('\n')[0] ?? message;
}
