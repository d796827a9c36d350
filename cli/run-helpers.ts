import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { cronSecretOf } from '../runs/inputs.ts';
import { headline } from '../reports/headline.ts';
import type { DrillConfig } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { ExitCode } from '../core/exit-codes.ts';
import type { RunRecord } from '../record/run-record.ts';
import { defaultRunDir } from '../record/run-dir.ts';
import type { LogSource } from '../signals/session.ts';
import type { CliContext } from './spec.ts';

/** The log source from --logs FILE (- for stdin) or --log-drain PORT; both at once is a usage error. */
export function logSourceFrom(command: string, ctx: CliContext, flags: { logs?: string; 'log-drain'?: number }): LogSource | null {
  if (flags.logs && flags['log-drain'] !== undefined) throw new UsageError(`drill ${command}: use --logs or --log-drain, not both`);
  if (flags.logs === '-') return { kind: 'stdin' };
  if (flags.logs) return { kind: 'file', path: path.resolve(ctx.cwd, flags.logs) };
  if (flags['log-drain'] !== undefined) return { kind: 'drain', port: flags['log-drain'] };
  return null;
}

/**
 * Progress for a person: milestones as lines; `live` lines (once a second) overwrite each
 * other on a terminal, cut to its width, and are left out elsewhere. --quiet: nothing.
 */
export function progressPrinter(ctx: CliContext): (line: string, live?: boolean) => void {
  return (line, live = false) => {
    if (ctx.output.quiet) return;
    const fitted = line.length > ctx.columns - 1 ? `${line.slice(0, ctx.columns - 2)}…` : line;
    if (ctx.isTTY) ctx.stderr.write(live ? `\r\x1b[K${fitted}` : `\r\x1b[K${line}\n`);
    else if (!live) ctx.stderr.write(`${line}\n`);
  };
}

/** CRON_SECRET from the environment (refused with a line break in it: see runs/inputs.ts). */
export function cronSecretFrom(ctx: CliContext): string | undefined {
  return cronSecretOf(undefined, ctx.env);
}

/** Loads the config (file, then flag overrides) for a command. */
export async function configFor(ctx: CliContext, file: string | undefined, overrides: Record<string, unknown>): Promise<DrillConfig> {
  return (await loadedConfigFor(ctx, file, overrides)).config;
}

/** The same, in the shape the library entry points take, so the file is read once; deprecations print one line each. */
export async function loadedConfigFor(ctx: CliContext, file: string | undefined, overrides: Record<string, unknown>): Promise<LoadedConfig> {
  const loaded = await loadConfig({ cwd: ctx.cwd, file, overrides });
  for (const line of loaded.warnings ?? []) ctx.stderr.write(`drill: warning: ${line}\n`);
  return loaded;
}

/** The run directory a command writes: --out, or a fresh one under config.outDir. */
export function outDirFor(ctx: CliContext, config: DrillConfig, out: string | undefined, kind: string): string {
  return path.resolve(ctx.cwd, out ?? defaultRunDir(path.resolve(ctx.cwd, config.outDir), kind));
}

/** What every library run takes from the command line: where it runs, its config and run directory, Ctrl-C, progress. */
export function runInputsFrom(ctx: CliContext, config: LoadedConfig, out: string) {
  return { cwd: ctx.cwd, env: ctx.env, config, out, signal: ctx.signal, onProgress: progressPrinter(ctx) };
}

/** Waits for a library run (which writes its own run directory), prints the verdict, maps it to the exit code. */
export async function reportRun(ctx: CliContext, dir: string, run: Promise<RunRecord>): Promise<number> {
  const record = await run;
  printVerdict(ctx, record, dir);
  return exitCodeOf(record);
}

/** The verdict's exit code: 0 pass, 4 inconclusive, 1 fail or invalid. */
export function exitCodeOf(record: RunRecord): number {
  return record.verdict === 'pass' ? ExitCode.pass : record.verdict === 'inconclusive' ? ExitCode.inconclusive : ExitCode.fail;
}

/**
 * The end of a run: the verdict, why, the headline figures and where the report is; with
 * --json the record itself on stdout, for piping (the lines then go to stderr unless --quiet).
 */
function printVerdict(ctx: CliContext, record: RunRecord, dir: string): void {
  if (ctx.output.json) ctx.stdout.write(`${JSON.stringify(record)}\n`);
  const io = ctx.output.json ? ctx.stderr : ctx.stdout;
  if (ctx.output.json && ctx.output.quiet) return;
  // The last live line is still on the terminal: clear it before the summary.
  if (ctx.isTTY && !ctx.output.quiet) ctx.stderr.write('\r\x1b[K');
  const lines = [`drill ${record.kind}: ${record.verdict.toUpperCase()}${record.interrupted ? ` (interrupted by ${record.interrupted.signal}, partial record)` : ''}`];
  for (const reason of record.reasons.slice(0, 10)) lines.push(`  - ${reason}`);
  if (record.reasons.length > 10) lines.push(`  … and ${record.reasons.length - 10} more (see the report)`);
  // The figures, wrapped at their separators to the terminal's width.
  let row = '';
  for (const figure of headline(record)) {
    if (row && 2 + row.length + 3 + figure.length > ctx.columns) {
      lines.push(`  ${row}`);
      row = figure;
    } else row = row ? `${row} · ${figure}` : figure;
  }
  if (row) lines.push(`  ${row}`);
  lines.push(`report: ${path.join(dir, 'report.md')}`);
  io.write(`${lines.join('\n')}\n`);
}

/**
 * A connection URL given as a flag must not hold a password: flags show in the process
 * list and in shell history. Refused before anything runs, never echoing the URL.
 */
export function refusePasswordFlag(command: string, flag: string, url: string | undefined, envName: string): void {
  if (url === undefined) return;
  let password = '';
  try {
    const parsed = new URL(url);
    password = parsed.password || parsed.searchParams.get('password') || '';
  } catch {
    return; // not a URL: the command's own check names the problem
  }
  if (password) {
    throw new UsageError(`drill ${command} ${flag}: the URL holds a password, and flags show in the process list; put it in ${envName} instead`, 'E_PASSWORD_IN_FLAG');
  }
}
