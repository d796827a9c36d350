import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../runs/demo.ts';

describe('drill demo', () => {
  it('runs a stress drill, a local region move and its validation on embedded databases, all passing', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'drill-demo-'));
    const lines: string[] = [];
    const steps = await runDemo({ outRoot: out, signal: new AbortController().signal, progress: (l) => lines.push(l), stressMs: 5000, windowMs: 3000 });
    expect(steps.map((s) => [s.name, s.verdict])).toEqual([
      ['stress drill (smoke)', 'pass'],
      ['cutover validation', 'pass'],
      ['stress drill in the new region', 'pass'],
      ['release gate (second drill vs first)', 'pass'],
    ]);
    for (const s of steps) expect(existsSync(s.dir)).toBe(true);
    const validate = JSON.parse(readFileSync(path.join(path.dirname(steps[1]!.dir), 'run.json'), 'utf8'));
    expect(validate.checks).toHaveLength(22);
    expect(validate.checks.every((c: { status: string }) => c.status === 'pass')).toBe(true);
    expect(lines.join('\n')).toContain('3/4 region move');
    expect(lines.join('\n')).toContain('4/4 release gate');
  }, 120_000);
});
