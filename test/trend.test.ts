import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDir } from '../record/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
import { analyzeTrend } from '../runs/trend.ts';
import { runCli } from './helpers/cli.ts';
import { ROUTES, stressRecord } from './helpers/synthetic-run.ts';

/** Twenty nightly runs; from run 12 on, every latency is 40 % higher (commit c12 did it). */
function history(step = 1.4): string {
  const root = mkdtempSync(path.join(tmpdir(), 'drill-trend-'));
  for (let i = 0; i < 20; i += 1) {
    const noise = 1 + (((i * 7) % 5) - 2) / 100;
    const record = stressRecord((i >= 12 ? step : 1) * noise, {
      startedAt: new Date(Date.parse('2026-11-01T03:17:00Z') + i * 86_400_000).toISOString(),
      environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, commit: `c${i}` },
    });
    writeRecord(RunDir.create(path.join(root, `night-${String(i).padStart(2, '0')}`)), record, {});
  }
  return root;
}

describe('drill trend', () => {
  it('finds where a latency regression began: the run, its time and its commit', () => {
    const report = analyzeTrend({ dirs: [history()] });
    const p95 = report.series.find((s) => s.scope === 'overall' && s.metric === 'p95')!;
    expect(p95.changes.map((c) => c.index)).toEqual([12]);
    expect(p95.changes[0]).toMatchObject({ regression: true, run: { commit: 'c12', startedAt: '2026-11-13T03:17:00.000Z' } });
    expect(p95.changes[0]!.change).toBeCloseTo(0.4, 1);
    expect(report.series.find((s) => s.scope === ROUTES[0] && s.metric === 'p99')!.changes.map((c) => c.index)).toEqual([12]);
    // Error rate and throughput did not move.
    expect(report.series.filter((s) => s.metric === 'error_rate' || s.metric === 'throughput').every((s) => s.changes.length === 0)).toBe(true);
  });

  it('the CLI prints each change point, writes trend.html with them marked, and exits 1 only for a recent regression', async () => {
    const root = history();
    const out = path.join(root, 'trend');
    const old = await runCli(['trend', root, '--out', out, '--recent', '3'], { cwd: root });
    expect(old.code, old.stdout).toBe(0);
    expect(old.stdout).toMatch(/regression: overall p95 \+\d+\.\d% .* began at .*night-12 \(2026-11-13T03:17:00\.000Z, commit c12\)/);
    expect(old.stdout).toContain('no regression began in the last 3 runs');
    const html = readFileSync(path.join(out, 'trend.html'), 'utf8');
    expect(html).toContain('<table>');
    expect(html).toContain('"regression":true');
    expect(existsSync(path.join(out, 'trend.json'))).toBe(true);
    const recent = await runCli(['trend', root, '--out', out, '--recent', '10'], { cwd: root });
    expect(recent.code).toBe(1);
    expect(recent.stdout).toMatch(/NEW REGRESSION in the last 10 runs: overall p50/);
  });

  it('a flat history has no change point; no records is exit 2', async () => {
    expect(analyzeTrend({ dirs: [history(1)] }).series.every((s) => s.changes.length === 0)).toBe(true);
    const empty = mkdtempSync(path.join(tmpdir(), 'drill-trend-empty-'));
    const r = await runCli(['trend', empty], { cwd: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no stress run records/);
  });
});
