import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../runs/demo.ts';
import { CUTOVER_CHECKS } from '../validation/catalogue.ts';

describe('drill demo', () => {
  it('runs a stress drill, a local region move and its validation, a release gate, and ends with a restore drill on embedded databases', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'drill-demo-'));
    const lines: string[] = [];
    const steps = await runDemo({ outRoot: out, signal: new AbortController().signal, progress: (l) => lines.push(l), stressMs: 5000, windowMs: 3000 });
    expect(steps.map((s) => s.name)).toEqual(['stress drill (smoke)', 'cutover validation', 'release gate (candidate vs control, side by side)', 'restore drill (recorded in the readiness file)']);
    // The drill and the cutover are judged on a healthy sandbox and must pass.
    expect(steps.slice(0, 2).map((s) => s.verdict)).toEqual(['pass', 'pass']);
    for (const s of steps) expect(existsSync(s.dir)).toBe(true);
    // The gate's verdict on identical code depends on how much a 5 s run can tell apart:
    // assert that it ran side by side, compared every route of the drill, and wrote its
    // report, and that identical code is never called a regression.
    const gate = JSON.parse(readFileSync(path.join(path.dirname(steps[2]!.dir), 'run.json'), 'utf8'));
    const drill = JSON.parse(readFileSync(path.join(path.dirname(steps[0]!.dir), 'run.json'), 'utf8'));
    expect(gate.kind).toBe('gate');
    expect(gate.verdict).not.toBe('fail');
    for (const route of Object.keys(drill.results.load.routes)) expect(gate.checks.some((c: { id: string }) => c.id.startsWith(`gate.${route}.`)), route).toBe(true);
    expect(readFileSync(steps[2]!.dir, 'utf8')).toMatch(/^# drill gate: [A-Z]+/);
    const validate = JSON.parse(readFileSync(path.join(path.dirname(steps[1]!.dir), 'run.json'), 'utf8'));
    // Every cutover check, and validate.complete: none skipped, all passing but the readiness
    // record's typed-in drill date, which only warns until a drill is recorded.
    expect(validate.checks.map((c: { id: string }) => c.id)).toEqual([...CUTOVER_CHECKS.map((c) => c.id), 'validate.complete']);
    expect(validate.checks.filter((c: { status: string }) => c.status !== 'pass').map((c: { id: string; status: string }) => `${c.id} ${c.status}`)).toEqual(['restore.readiness warn']);
    // The restore drill at the end: timed, proven whole, the app up on the restore, and recorded.
    const restore = JSON.parse(readFileSync(path.join(path.dirname(steps[3]!.dir), 'run.json'), 'utf8'));
    expect(steps[3]!.verdict, restore.reasons.join('\n')).toBe('pass');
    expect(restore.checks.map((c: { id: string; status: string }) => `${c.id} ${c.status}`)).toEqual([
      'restore.dump pass', 'restore.restore pass', 'restore.rto pass', 'restore.rpo pass', 'restore.schema_parity pass', 'restore.content_parity pass', 'restore.app_smoke pass', 'restore.readiness_log pass',
    ]);
    expect(restore.results.smoke).toMatchObject({ via: 'sandbox', status: 'pass' });
    expect(readFileSync(restore.results.readiness.file, 'utf8')).toMatch(/drills:\n {2}- date: .*\n {4}by: drill demo\n/);
    expect(lines.join('\n')).toContain('3/5 region move');
    expect(lines.join('\n')).toContain('5/5 restore drill');
  }, 120_000);
});
