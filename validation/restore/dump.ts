import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { runTool, toolTarget } from './pg-tools.ts';

export type DumpFormat = 'custom' | 'plain' | 'directory';

/**
 * The dump's format from its first bytes, as pg_restore decides it: "PGDMP" is the custom
 * format, a directory with toc.dat the directory format, anything else plain SQL for psql.
 */
export function dumpFormatOf(file: string): DumpFormat {
  if (statSync(file).isDirectory()) return 'directory';
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    readSync(fd, head, 0, 5, 0);
    return head.toString('latin1') === 'PGDMP' ? 'custom' : 'plain';
  } finally {
    closeSync(fd);
  }
}

/** Bytes on disk: a file's size, or a directory dump's files added up. */
export function dumpBytes(file: string): number {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(file).reduce((total, name) => total + statSync(path.join(file, name)).size, 0);
}

/** pg_dump in the custom format (compressed, restorable table by table). */
export async function dumpDatabase(sourceUrl: string, file: string, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<void> {
  const target = toolTarget(sourceUrl, options.env);
  await runTool('pg_dump', ['--format=custom', '--no-password', `--file=${file}`, `--dbname=${target.url}`], target.env, options.signal);
}

/**
 * Restores a dump into the scratch database and stops at the first error (a restore that
 * needs its errors ignored is not a restore that was proven): pg_restore for the custom
 * and directory formats, psql with ON_ERROR_STOP for plain SQL.
 */
export async function restoreDump(file: string, format: DumpFormat, scratchUrl: string, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<string> {
  const target = toolTarget(scratchUrl, options.env);
  if (format === 'plain') {
    await runTool('psql', ['--no-psqlrc', '--quiet', '--no-password', '--set=ON_ERROR_STOP=1', `--dbname=${target.url}`, `--file=${file}`], target.env, options.signal);
    return 'psql';
  }
  await runTool('pg_restore', ['--exit-on-error', '--no-password', `--dbname=${target.url}`, file], target.env, options.signal);
  return 'pg_restore';
}

/** "Archive created at …" from a custom or directory dump's table of contents; null when unreadable. */
export function archiveTime(file: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const listed = spawnSync('pg_restore', ['--list', file], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const match = /Archive created at (.+)$/m.exec(listed.stdout ?? '');
  if (!match) return null;
  const at = Date.parse(match[1]!.trim().replace(/ ([A-Z]{3,4})$/, (_, zone: string) => (zone === 'UTC' ? 'Z' : ` ${zone}`)).replace(' ', 'T'));
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}
