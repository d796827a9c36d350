import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunDir } from '../record/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
import type { TestDatabase } from './helpers/pg.ts';
import { stressRecord } from './helpers/synthetic-run.ts';
// @ts-expect-error -- a plain .mjs module of the runbook scripts, without types
import { worstExit } from '../scripts/lib/drill.mjs';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, sandboxWorkDir, type TestSandbox } from './helpers/sandbox.ts';

const SCRIPTS = fileURLToPath(new URL('../scripts/', import.meta.url));
const fixture = sandboxOnTestDatabase({});
let database: TestDatabase;
let sandbox: TestSandbox;
let cwd: string;

beforeAll(async () => {
  ({ database, sandbox } = fixture);
  cwd = await sandboxWorkDir(sandbox, 'scripts', { watch: { interval: '250ms' }, stress: { baseline: '300ms', recoveryTimeout: '3s', minRequests: 5 }, validate: { canary: { timeout: '10s' } } });
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

  it('cutover-checklist: answers piped in that end before a step stop it with a message (never a silent exit 13)', async () => {
    const child = spawn(process.execPath, [path.join(SCRIPTS, 'cutover-checklist.mjs'), '--operator', 'Dana Ops', '--target', sandbox.url, '--cookies', 'cookies.txt'], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CRON_SECRET: TEST_CRON_SECRET },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.stdin.end('y\ny\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(out).toMatch(/ok: Schema and data are copied to the new project/);
    expect(out).toMatch(/stopped at "URLs, keys and secrets point at the new project, and traffic has moved": the answers ended \(stdin closed\)/);
  });

  it('release-gate: a candidate that broke its own thresholds fails the release, whatever the gate says', async () => {
    const dir = await sandboxWorkDir(sandbox, 'release-own', { watch: { interval: '250ms' }, stress: { baseline: '300ms', recoveryTimeout: '3s', minRequests: 5 }, thresholds: { overall: ['p(95)<0.001'] } });
    // A stored baseline (a record as a passing pricing run writes it), so the gate itself has something to compare.
    writeRecord(RunDir.create(path.join(dir, 'reports', 'baseline')), stressRecord(1), {});
    const env = { PATH: process.env.PATH!, CRON_SECRET: TEST_CRON_SECRET };
    const child = spawn(process.execPath, [path.join(SCRIPTS, 'release-gate.mjs'), '--target', sandbox.url, '--cookies', 'cookies.txt', '--duration', '2s', '--out', path.join(dir, 'cand')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/threshold\.overall\.p\(95\)<0\.001 failed/);
    expect(out).toContain('release-gate: FAIL: the candidate run itself did not pass');
    expect(code).toBe(1);
  }, 90_000);

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
    const nightly = await script('nightly.mjs', [...common, '--out', path.join(cwd, 'nightly'), '--history', path.join(cwd, 'history')]);
    expect(nightly.code, nightly.out).toBe(0);
    expect(nightly.out).toMatch(/drill trend: 1 runs/);
    expect(nightly.out).toContain(path.join(cwd, 'history', 'trend', 'trend.html'));
    expect(JSON.parse(readFileSync(path.join(cwd, 'nightly', 'run.json'), 'utf8')).results.profile.name).toBe('nightly');
    // Bless the nightly run as the baseline, then gate a pricing run against it.
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [fileURLToPath(new URL('../bin/drill.mjs', import.meta.url)), 'baseline', 'save', path.join(cwd, 'nightly')], { cwd });
    const gate = await script('release-gate.mjs', [...common, '--max-p95-regression', '500%', '--out', path.join(cwd, 'pricing')]);
    // Whatever the noise on this machine made of the comparison, the script exits with it.
    const gateRecord = JSON.parse(readFileSync(path.join(cwd, 'pricing-gate', 'run.json'), 'utf8'));
    expect(gateRecord.kind).toBe('gate');
    expect(gate.out).toContain(`drill gate: ${gateRecord.verdict.toUpperCase()}`);
    const candidate = JSON.parse(readFileSync(path.join(cwd, 'pricing', 'run.json'), 'utf8'));
    const codeOf = (verdict: string) => (verdict === 'pass' ? 0 : verdict === 'inconclusive' ? 4 : 1);
    // The script's exit is the worse of the candidate's own verdict and the gate's.
    expect(gate.code).toBe(worstExit(codeOf(candidate.verdict), codeOf(gateRecord.verdict)));
  }, 120_000);

  it('refuse to run without a target', async () => {
    for (const name of ['pre-launch-drill.mjs', 'nightly.mjs', 'release-gate.mjs']) {
      const { code, out } = await script(name, []);
      expect(code, name).toBe(2);
      expect(out).toMatch(/--target URL and --cookies FILE are required|--cookies FILE and either --control URL --candidate URL, or --target URL, are required/);
    }
  });
});
