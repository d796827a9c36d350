import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from './helpers/pg.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, sandboxWorkDir, type TestSandbox } from './helpers/sandbox.ts';

const SCRIPTS = fileURLToPath(new URL('../scripts/', import.meta.url));
const fixture = sandboxOnTestDatabase({});
let database: TestDatabase;
let sandbox: TestSandbox;
let cwd: string;

beforeAll(async () => {
  ({ database, sandbox } = fixture);
  cwd = await sandboxWorkDir(sandbox, 'scripts', { watch: { interval: '250ms' }, stress: { baseline: '300ms', recoveryTimeout: '3s' }, validate: { canary: { timeout: '10s' } } });
});

function script(name: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(SCRIPTS, name), ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CRON_SECRET: TEST_CRON_SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('zx runbook scripts', () => {
  it('cutover-checklist: confirms the manual steps, runs the checks, records who and when', async () => {
    const out = path.join(cwd, 'cutover');
    const { code, out: text } = await script('cutover-checklist.mjs', ['--yes', '--operator', 'Dana Ops', '--target', sandbox.url, '--window', '1s', '--drain-timeout', '2s', '--out', out], {
      DATABASE_URL: database.url,
    });
    expect(code, text).toBe(0);
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record.kind).toBe('validate');
    const steps = record.results.checklist.steps as { step: string; by: string; at: string }[];
    expect(record.results.checklist.operator).toBe('Dana Ops');
    expect(steps.map((s) => s.by)).toEqual(['Dana Ops', 'Dana Ops', 'Dana Ops', 'drill', 'Dana Ops']);
    expect(steps[3]!.step).toBe('drill validate: exit 0');
    expect(record.checks.find((c: { id: string }) => c.id === 'worker.canary').status).toBe('pass');
  });

  it('cutover-checklist: no operator is exit 2', async () => {
    const { code, out } = await script('cutover-checklist.mjs', ['--yes'], { USER: '' });
    expect(code).toBe(2);
    expect(out).toContain('--operator NAME is required');
  });

  it('pre-launch-drill, nightly and release-gate run their drills and exit with the verdict', async () => {
    const common = ['--target', sandbox.url, '--cookies', 'cookies.txt', '--duration', '2s'];
    // The launch profile thinks 5 s between requests: 40 users make a short run judgeable.
    const prelaunch = await script('pre-launch-drill.mjs', [...common, '--users', '40', '--out', path.join(cwd, 'pre')]);
    expect(prelaunch.code, prelaunch.out).toBe(0);
    expect(prelaunch.out).toContain('2/2 launch drill');
    const nightly = await script('nightly.mjs', [...common, '--out', path.join(cwd, 'nightly')]);
    expect(nightly.code, nightly.out).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, 'nightly', 'run.json'), 'utf8')).results.profile.name).toBe('nightly');
    // Bless the nightly run as the baseline, then gate a pricing run against it.
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [fileURLToPath(new URL('../bin/drill.mjs', import.meta.url)), 'baseline', 'save', path.join(cwd, 'nightly')], { cwd });
    const gate = await script('release-gate.mjs', [...common, '--max-p95-regression', '500%', '--out', path.join(cwd, 'pricing')]);
    expect(gate.out).toMatch(/drill gate: (PASS|FAIL)/);
    expect([0, 1]).toContain(gate.code);
    expect(JSON.parse(readFileSync(path.join(cwd, 'pricing-gate', 'run.json'), 'utf8')).kind).toBe('gate');
  }, 120_000);

  it('refuse to run without a target', async () => {
    for (const name of ['pre-launch-drill.mjs', 'nightly.mjs', 'release-gate.mjs']) {
      const { code, out } = await script(name, []);
      expect(code, name).toBe(2);
      expect(out).toMatch(/--target URL and --cookies FILE are required/);
    }
  });
});
