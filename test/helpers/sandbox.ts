import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type Sandbox, type SandboxDeps } from '../../sandbox/index.ts';
import { createTestDatabase, type TestDatabase } from './pg.ts';
import type { SandboxOptionsInput } from '../../sandbox/options.ts';

export const TEST_CRON_SECRET = 'test-cron-secret-value';
export const TEST_CONTROL_SECRET = 'test-control-secret';

/** A sandbox on a free port with a small seed, quiet ambient traffic and logs in a temp file. */
export async function startTestSandbox(options: SandboxOptionsInput = {}, deps: SandboxDeps = {}): Promise<Sandbox & { logFile: string; logEvents(): Record<string, unknown>[] }> {
  const logFile = path.join(mkdtempSync(path.join(tmpdir(), 'drill-sandbox-')), 'app.log');
  const sandbox = await startSandbox({
    port: 0,
    cronSecret: TEST_CRON_SECRET,
    controlSecret: TEST_CONTROL_SECRET,
    ambientJobsPerTick: 0,
    cronInterval: '200ms',
    backoffBase: '100ms',
    jobWork: '1ms',
    logFile,
    seed: { orgs: 2, adminUsers: 4, invoicesPerOrg: 300, completedJobsPerOrg: 200 },
    ...options,
  }, deps);
  return Object.assign(sandbox, {
    logFile,
    logEvents: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
  });
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export type TestSandbox = Awaited<ReturnType<typeof startTestSandbox>>;

/**
 * A sandbox on its own fresh Postgres database for one test file: created before the
 * file's own beforeAll hooks run (registration order), stopped and dropped after.
 */
export function sandboxOnTestDatabase(options: SandboxOptionsInput = {}): { database: TestDatabase; sandbox: TestSandbox } {
  const fixture = {} as { database: TestDatabase; sandbox: TestSandbox };
  beforeAll(async () => {
    fixture.database = await createTestDatabase();
    fixture.sandbox = await startTestSandbox({ databaseUrl: fixture.database.url, ...options });
  });
  afterAll(async () => {
    await fixture.sandbox?.stop();
    await fixture.database?.drop();
  });
  return fixture;
}

/**
 * A working directory for CLI and script runs against `sandbox`: cookies.txt with
 * `sessions` of its sessions, and drill.config.json holding `config`.
 */
export async function sandboxWorkDir(sandbox: TestSandbox, name: string, config: Record<string, unknown>, sessions = 3): Promise<string> {
  const cwd = mkdtempSync(path.join(tmpdir(), `drill-${name}-`));
  writeFileSync(path.join(cwd, 'cookies.txt'), (await sandbox.mintCookies(sessions)).join('\n'));
  writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify(config));
  return cwd;
}
