import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main, type MainOptions } from '../../cli/main.ts';

export const BIN = fileURLToPath(new URL('../../bin/drill.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process (fast; most CLI tests). */
export async function runCli(argv: string[], options: MainOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env: {},
    ...options,
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
  });
  return { code, stdout, stderr };
}

export interface ChildRun {
  child: ReturnType<typeof spawn>;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real bin as a child process, for exit codes and signals. */
export function spawnDrill(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): ChildRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    // Generous: a child that starts PGlite takes ~4 s on a quiet machine and far longer on a
    // loaded 2-core one. A readiness wait, bounded, never a timing assertion.
    waitFor(text, timeoutMs = 80_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const match = typeof text === 'string' ? out.includes(text) : text.test(out);
          if (match) {
            clearInterval(poll);
            resolve(out);
          } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`did not see ${String(text)}; stdout: ${out}\nstderr: ${err}`));
          }
        }, 25);
      });
    },
  };
}

/** Runs the bin to completion. */
export async function execDrill(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  const run = spawnDrill(args, env, cwd);
  const { code } = await run.exited;
  return { code: code ?? -1, stdout: run.stdout(), stderr: run.stderr() };
}
