import path from 'node:path';
import { loadConfig } from '../core/config/load.ts';
import type { DrillConfig } from '../core/config/schema.ts';
import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { ExitCode } from '../core/exit-codes.ts';
import type { RunKind, RunRecord, RunRecordInput } from '../reports/record.ts';
import { RunDir, defaultRunDir } from '../reports/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
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
 * CRON_SECRET from the environment, or undefined. It goes into an Authorization header, so
 * a line break (a CRLF .env file) is refused here, naming the fix and never the value.
 */
export function cronSecretFrom(ctx: CliContext): string | undefined {
  const secret = ctx.env.CRON_SECRET;
  if (!secret) return undefined;
  if (/[\r\n\0]/.test(secret)) throw new UsageError('CRON_SECRET holds a line break or NUL (a .env file with CRLF endings?); export it without one');
  return secret;
}

/** Loads the config (file, then flag overrides) for a command. */
export async function configFor(ctx: CliContext, file: string | undefined, overrides: Record<string, unknown>): Promise<DrillConfig> {
  return (await loadConfig({ cwd: ctx.cwd, file, overrides })).config;
}

export function requireTarget(command: string, flag: string | undefined, config: DrillConfig): string {
  const target = flag ?? config.target;
  if (!target) throw new UsageError(`drill ${command}: --target is required (or set target in drill.config); e.g. --target http://127.0.0.1:3999`);
  return target.replace(/\/+$/, '');
}

export function checkDuration(command: string, durationMs: number | undefined, config: DrillConfig, fallbackMs?: number): number {
  const ms = durationMs ?? fallbackMs;
  if (ms === undefined) throw new UsageError(`drill ${command}: --duration is required; e.g. --duration 5m`);
  if (ms <= 0) throw new UsageError(`drill ${command} --duration: must be longer than 0`);
  if (ms > config.limits.maxDuration) {
    throw new UsageError(
      `drill ${command} --duration: ${formatDuration(ms)} is over the cap of ${formatDuration(config.limits.maxDuration)}; raise limits.maxDuration in drill.config to allow it`,
    );
  }
  return ms;
}

/**
 * Creates the run directory, runs `fn`, writes the record and its renderings, prints
 * where they are, and maps the verdict to the exit code. The record is written whatever
 * the verdict, and also when a signal cut the run short.
 */
export async function executeRun(
  ctx: CliContext,
  kind: RunKind,
  config: DrillConfig,
  out: string | undefined,
  fn: (runDir: RunDir) => Promise<RunRecordInput>,
): Promise<number> {
  const dir = path.resolve(ctx.cwd, out ?? defaultRunDir(path.resolve(ctx.cwd, config.outDir), kind));
  const runDir = RunDir.create(dir);
  let record: RunRecord;
  try {
    record = writeRecord(runDir, await fn(runDir));
  } finally {
    runDir.closeStreams();
  }
  printVerdict(ctx, record, dir);
  return record.verdict === 'pass' ? ExitCode.pass : ExitCode.fail;
}

function printVerdict(ctx: CliContext, record: RunRecord, dir: string): void {
  const lines = [`drill ${record.kind}: ${record.verdict.toUpperCase()}${record.interrupted ? ` (interrupted by ${record.interrupted.signal}, partial record)` : ''}`];
  for (const reason of record.reasons.slice(0, 10)) lines.push(`  - ${reason}`);
  if (record.reasons.length > 10) lines.push(`  … and ${record.reasons.length - 10} more (see the report)`);
  lines.push(`report: ${path.join(dir, 'report.md')}`);
  ctx.stdout.write(`${lines.join('\n')}\n`);
}
