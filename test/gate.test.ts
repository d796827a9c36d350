import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config/load.ts';
import { RunRecord, type RunRecordInput } from '../reports/record.ts';
import { RunDir } from '../reports/run-dir.ts';
import { writeRecord } from '../reports/write.ts';
import { compareRuns } from '../runs/gate.ts';
import { runCli } from './helpers/cli.ts';
import { ROUTES, stressRecord, summary } from './helpers/synthetic-run.ts';

const config = parseConfig({});
const gate = (base: RunRecordInput, cur: RunRecordInput) =>
  RunRecord.parse(compareRuns(RunRecord.parse(base), RunRecord.parse(cur), config, { baseline: 'b', current: 'c' }, new AbortController().signal));
const failed = (r: RunRecord) => r.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describe('compareRuns', () => {
  it('an equal run passes', () => {
    const r = gate(stressRecord(1), stressRecord(1));
    expect(r.verdict).toBe('pass');
    expect(r.checks.find((c) => c.id === 'gate.overall.p95')!.summary).toBe('overall p95 200.0ms -> 200.0ms (+0.0%; allowed +10.0%)');
  });

  it('an improved run passes', () => {
    expect(gate(stressRecord(1), stressRecord(0.7)).verdict).toBe('pass');
  });

  it('a regressed run fails per route and overall, naming them', () => {
    const r = gate(stressRecord(1), stressRecord(1.25));
    expect(r.verdict).toBe('fail');
    expect(failed(r)).toContain('gate.overall.p95');
    expect(failed(r)).toContain(`gate.${ROUTES[3]}.p95`);
    expect(failed(r)).toContain('gate.overall.p99'); // +25% > 20%
  });

  it('within tolerance passes (9% slower p95, 15% slower p99)', () => {
    const cur = stressRecord(1);
    (cur.results!.load as { overall: ReturnType<typeof summary> }).overall = summary(218);
    expect(gate(stressRecord(1), cur).verdict).toBe('pass');
  });

  it('error-rate increase, throughput drop, new alerts and slower recovery fail', () => {
    const cur = stressRecord(1, {
      alerts: [{ id: 'dead_letter_nonzero', state: 'firing', firedAt: '2026-11-29T10:30:00.000Z', timeline: [] }],
    }, { errorRate: 0.012, errors: 12, rps: 40 });
    (cur.results!.recovery as { drainMs: number }).drainMs = 120_000;
    const r = gate(stressRecord(1), cur);
    expect(failed(r)).toEqual(expect.arrayContaining(['gate.overall.error_rate', 'gate.overall.throughput', 'gate.alerts', 'gate.queue_recovery']));
    expect(r.reasons.join('\n')).toMatch(/gate\.overall\.error_rate failed: overall error rate 0\.0% -> 1\.2% \(\+1\.20pp; allowed \+0\.50pp\)/);
  });

  it('too few requests on a route is a skip, not a verdict', () => {
    const base = stressRecord(1);
    const routes = (base.results!.load as { routes: Record<string, ReturnType<typeof summary>> }).routes;
    routes[ROUTES[0]!] = summary(100, { requests: 10 });
    const r = gate(base, stressRecord(3));
    expect(r.checks.find((c) => c.id === `gate.${ROUTES[0]}.p95`)!.status).toBe('skip');
  });

  it('a run without load results is an error', () => {
    const r = gate(stressRecord(1), { ...stressRecord(1), kind: 'validate', results: {} });
    expect(r.checks[0]).toMatchObject({ id: 'gate.inputs', status: 'error' });
    expect(r.verdict).toBe('fail');
  });
});

describe('drill gate and drill baseline save', () => {
  function saved(record: RunRecordInput): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-gate-run-'));
    writeRecord(RunDir.create(dir), record, {});
    return dir;
  }

  it('saves a baseline, then gates against it with flag tolerances: exit 0, then exit 1', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-gate-'));
    const baseline = saved(stressRecord(1));
    const save = await runCli(['baseline', 'save', baseline], { cwd });
    expect(save.code).toBe(0);
    expect(save.stdout).toContain(`baseline saved to ${path.join(cwd, 'reports/baseline')}`);
    const ok = await runCli(['gate', '--current', saved(stressRecord(1.05)), '--out', path.join(cwd, 'g1')], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await runCli(['gate', '--current', saved(stressRecord(1.05)), '--max-p95-regression', '2%', '--out', path.join(cwd, 'g2')], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/gate\.overall\.p95 failed: overall p95 200\.0ms -> 210\.0ms \(\+5\.0%; allowed \+2\.0%\)/);
    expect(JSON.parse(readFileSync(path.join(cwd, 'g2', 'run.json'), 'utf8')).kind).toBe('gate');
  });

  it('refuses to bless a failing run, and bad tolerances', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-gate-'));
    const failing = saved(stressRecord(1, { verdict: 'fail' }));
    expect((await runCli(['baseline', 'save', failing], { cwd })).stderr).toMatch(/did not pass \(fail\); bless a passing run/);
    const pct = await runCli(['gate', '--current', failing, '--baseline', failing, '--max-p95-regression', 'ten'], { cwd });
    expect(pct.code).toBe(2);
    expect(pct.stderr).toMatch(/"ten" is not a percentage/);
    const crashed = mkdtempSync(path.join(tmpdir(), 'drill-crashed-'));
    const noRecord = await runCli(['gate', '--current', crashed, '--baseline', failing], { cwd });
    expect(noRecord.code).toBe(2);
    expect(noRecord.stderr.trim().split('\n')).toHaveLength(1);
    expect(noRecord.stderr).toMatch(/has no run\.json \(the run did not finish\); rebuild it with drill report/);
    const none = await runCli(['gate', '--current', failing], { cwd });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no saved baseline at reports\/baseline; save one with drill baseline save RUN/);
  });
});
