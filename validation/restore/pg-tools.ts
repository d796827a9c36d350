import { spawn } from 'node:child_process';
import { secrets } from '../../core/secrets.ts';

/**
 * pg_dump, pg_restore and psql as child processes. The password never goes on their
 * command line (the process list shows it): the URL is passed without it, and the password
 * travels in PGPASSWORD. Their stderr is redacted before it becomes an error message.
 */
export interface ToolTarget {
  /** The URL with the password removed: safe to pass as an argument. */
  url: string;
  env: NodeJS.ProcessEnv;
}

export function toolTarget(url: string, env: NodeJS.ProcessEnv = process.env): ToolTarget {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
  parsed.password = '';
  parsed.searchParams.delete('password');
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (password) childEnv.PGPASSWORD = password;
  return { url: parsed.toString(), env: childEnv };
}

/** Host, port and database name: how a database is named in a record, never by its URL. */
export function describeDatabase(url: string): { database: string | null; host: string | null } {
  try {
    const parsed = new URL(url);
    return { database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || null, host: parsed.host || null };
  } catch {
    return { database: null, host: null };
  }
}

export class ToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** The last lines of stderr that say what went wrong (ERROR/FATAL lines first). */
function gist(stderr: string): string {
  const lines = secrets.redact(stderr).split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /\b(error|fatal)\b/i.test(l));
  return (errors.length ? errors : lines).slice(-3).join(' | ').slice(0, 600) || 'no message';
}

/** Runs one tool to its end; rejects with a ToolError naming the tool, its exit code and the gist of its stderr. */
export function runTool(tool: string, args: readonly string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Bounded: a restore with thousands of notices must not grow the heap.
      stderr = (stderr + chunk).slice(-64 * 1024);
    });
    child.on('error', (error) => {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new ToolError(tool, null, missing ? `${tool} is not installed or not on PATH (install the PostgreSQL client tools)` : `${tool}: ${error.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve({ stderr: secrets.redact(stderr) });
      else reject(new ToolError(tool, code, `${tool} exited with ${code ?? 'a signal'}: ${gist(stderr)}`));
    });
  });
}
