import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { RunRecord, type GateRecord, type RunRecordInput } from '../../record/run-record.ts';
import { RunDir } from '../../record/run-dir.ts';
import { writeRecord } from '../../reports/write.ts';
import { gateRun } from '../../runs/gate.ts';
import { runCli } from '../helpers/cli.ts';
import { INVOICES, JOBS, REFERENCE, histogramRecord, type RouteSpec } from '../helpers/gate-records.ts';
import { ROUTES, stressRecord, summary } from '../helpers/synthetic-run.ts';

const config = parseConfig({});
const gate = (base: RunRecordInput, cur: RunRecordInput, mode: 'stored' | 'live' = 'stored') =>
  RunRecord.parse(gateRun(RunRecord.parse(base), RunRecord.parse(cur), config, { baseline: 'b', current: 'c' }, new AbortController().signal, { mode })) as GateRecord;
const withStatus = (r: RunRecord, status: string) => r.checks.filter((c) => c.status === status).map((c) => c.id);
const check = (r: RunRecord, id: string) => r.checks.find((c) => c.id === id)!;

const ROUTE_MIX = (n: number, scale: Partial<Record<string, number>> = {}): Record<string, RouteSpec> => ({
  [JOBS]: { n, medianMs: 8 * (scale[JOBS] ?? 1) },
  [INVOICES]: { n, medianMs: 12 * (scale[INVOICES] ?? 1) },
  [REFERENCE]: { n, medianMs: 1 * (scale[REFERENCE] ?? 1) },
});

describe('the gate judges each comparison pass, fail or inconclusive', () => {
  it('pass: the same distributions, 6,000 requests a route: every interval lies within tolerance', () => {
    const r = gate(histogramRecord(ROUTE_MIX(6000), 1), histogramRecord(ROUTE_MIX(6000), 2));
    expect(withStatus(r, 'fail')).toEqual([]);
    expect(withStatus(r, 'inconclusive')).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(check(r, `gate.${JOBS}.shift`).summary).toMatch(/latency shift p50 .*ms -> .*ms: [+−]\d+\.\d% \(95% CI [+−][\d.]+% to [+−][\d.]+%\); allowed \+10\.0%$/);
    // A pass is judged on the plain 95 % interval (every check must pass: intersection-union).
    expect(r.results.comparisons!.find((c) => c.scope === JOBS && c.metric === 'shift')!.confidence).toBe(0.95);
    expect(r.results.comparisons!.find((c) => c.scope === JOBS && c.metric === 'p95')).toMatchObject({ status: 'pass', method: 'iid' });
    expect(Object.keys(r.results.distributions!)).toEqual(expect.arrayContaining(['overall', JOBS]));
    expect(r.results.distributions![JOBS]!.baseline.cdf.length).toBeGreaterThan(10);
  });

  it('fail: one route 30% slower fails on that route, naming it, and nowhere else', () => {
    const r = gate(histogramRecord(ROUTE_MIX(6000), 1), histogramRecord(ROUTE_MIX(6000, { [JOBS]: 1.3 }), 2));
    expect(r.verdict).toBe('fail');
    expect(withStatus(r, 'fail')).toEqual(expect.arrayContaining([`gate.${JOBS}.shift`, `gate.${JOBS}.p95`]));
    expect(withStatus(r, 'fail').every((id) => id.startsWith(`gate.${JOBS}.`) || id.startsWith('gate.overall.'))).toBe(true);
    expect(r.reasons.join('\n')).toContain(`gate.${JOBS}.shift failed`);
  });

  it('inconclusive: 8% slower on 300 requests cannot be told from 10%; the check says what it could detect and how much longer to run', () => {
    const r = gate(histogramRecord(ROUTE_MIX(300), 1), histogramRecord(ROUTE_MIX(300, { [JOBS]: 1.08, [INVOICES]: 1.08 }), 2));
    expect(r.verdict).toBe('inconclusive');
    const c = check(r, `gate.${JOBS}.shift`);
    expect(c.status).toBe('inconclusive');
    expect(c.summary).toMatch(/inconclusive: this data could detect \+[\d.]+% at the least; a run about (\d+(\.\d)?x|100x or more) as long would decide/);
    expect(r.reasons.some((line) => line.includes('inconclusive'))).toBe(true);
  });

  it('stored baseline: when the reference route moved as much as the routes did, the environment changed: inconclusive, never a fail', () => {
    const slower = { [JOBS]: 1.6, [INVOICES]: 1.6, [REFERENCE]: 1.7 };
    const r = gate(histogramRecord(ROUTE_MIX(6000), 1), histogramRecord(ROUTE_MIX(6000, slower), 2));
    expect(withStatus(r, 'fail')).toEqual([]);
    expect(r.verdict).toBe('inconclusive');
    expect(check(r, `gate.${JOBS}.p95`).summary).toMatch(/not a fail: the environment changed: .*the reference route HEAD \/api\/health moved \+\d+/);
    expect(r.results.environment!.changed).toBe(true);
  });

  it('stored baseline: a busier generator machine is named too', () => {
    const busy = { cpuBusy: { mean: 0.9, p95: 1, max: 1 } };
    const r = gate(histogramRecord(ROUTE_MIX(6000), 1), histogramRecord(ROUTE_MIX(6000, { [JOBS]: 1.5 }), 2, busy));
    expect(r.verdict).toBe('inconclusive');
    expect(r.results.environment!.reasons.join(' ')).toMatch(/the machine was busier: CPU 30% -> 90% busy/);
  });

  it('the same regression with a quiet machine and a still reference is a fail', () => {
    const r = gate(histogramRecord(ROUTE_MIX(6000), 1), histogramRecord(ROUTE_MIX(6000, { [JOBS]: 1.5, [INVOICES]: 1.5 }), 2));
    expect(r.verdict).toBe('fail');
    expect(r.results.environment!.changed).toBe(false);
  });

  it('live A/B: the reference route is an ordinary route, the environment is shared', () => {
    const slower = { [JOBS]: 1.6, [INVOICES]: 1.6, [REFERENCE]: 1.7 };
    expect(gate(histogramRecord(ROUTE_MIX(6000), 1), histogramRecord(ROUTE_MIX(6000, slower), 2), 'live').verdict).toBe('fail');
  });
});

describe('records without histograms (an older drill, k6): percentiles stand in', () => {
  it('an equal run does not fail (1,000 requests leave some p99s undecided); a 50% slower one fails per route and overall', () => {
    const same = gate(stressRecord(1), stressRecord(1));
    expect(withStatus(same, 'fail')).toEqual([]);
    expect(same.verdict).not.toBe('fail');
    const r = gate(stressRecord(1), stressRecord(1.5));
    expect(r.verdict).toBe('fail');
    expect(withStatus(r, 'fail')).toEqual(expect.arrayContaining(['gate.overall.p95', `gate.${ROUTES[3]}.p95`]));
  });

  it('error-rate increase, throughput drop, new alerts and slower recovery fail', () => {
    const cur = stressRecord(1, {
      alerts: [{ id: 'dead_letter_nonzero', state: 'firing', firedAt: '2026-11-29T10:30:00.000Z', timeline: [] }],
    }, { errorRate: 0.03, errors: 30, rps: 40 });
    (cur.results!.recovery as { drainMs: number }).drainMs = 120_000;
    const r = gate(stressRecord(1), cur);
    expect(withStatus(r, 'fail')).toEqual(expect.arrayContaining(['gate.overall.error_rate', 'gate.overall.throughput', 'gate.alerts', 'gate.queue_recovery']));
    expect(r.reasons.join('\n')).toMatch(/gate\.overall\.error_rate failed: overall error rate 0\.00% -> 3\.00%: \+3\.00pp \(99\.\d+% CI \+\d\.\d\dpp to \+\d\.\d\dpp, corrected for \d+ comparisons\); allowed \+0\.50pp/);
  });

  it('too few requests on a route is a skip, not a verdict', () => {
    const base = stressRecord(1);
    const routes = (base.results!.load as { routes: Record<string, ReturnType<typeof summary>> }).routes;
    routes[ROUTES[0]!] = summary(100, { requests: 10 });
    const r = gate(base, stressRecord(3));
    expect(check(r, `gate.${ROUTES[0]}.p95`).status).toBe('skip');
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

  it('saves a baseline, then gates against it: exit 0 pass, 1 fail, 4 inconclusive', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-gate-'));
    const baseline = saved(histogramRecord(ROUTE_MIX(6000), 1));
    const save = await runCli(['baseline', 'save', baseline], { cwd });
    expect(save.code).toBe(0);
    expect(save.stdout).toContain(`baseline saved to ${path.join(cwd, 'reports/baseline')}`);
    const ok = await runCli(['gate', '--current', saved(histogramRecord(ROUTE_MIX(6000), 2)), '--out', path.join(cwd, 'g1')], { cwd });
    expect(ok.code, ok.stdout).toBe(0);
    // The report shows, per scope, baseline against current: estimate, interval, distributions.
    const md = readFileSync(path.join(cwd, 'g1', 'report.md'), 'utf8');
    expect(md).toMatch(/## Comparisons[\s\S]*\| GET \/api\/admin\/jobs \| p95 \| [\d.]+ \| [\d.]+ \| [+−][\d.]+% \| [+−][\d.]+% to [+−][\d.]+% \| ≤ \+10\.0% \| PASS \|/);
    expect(md).toContain('### Distributions (box plot');
    const html = readFileSync(path.join(cwd, 'g1', 'report.html'), 'utf8');
    expect(html).toContain('<h2>Distributions</h2>');
    expect(html).toContain('id="cdf0"');
    const bad = await runCli(['gate', '--current', saved(histogramRecord(ROUTE_MIX(6000, { [JOBS]: 1.05 }), 2)), '--max-latency-shift', '1%', '--max-p95-regression', '1%', '--out', path.join(cwd, 'g2')], { cwd });
    expect(bad.code, bad.stdout).toBe(1);
    expect(bad.stdout).toMatch(/gate\.GET \/api\/admin\/jobs\.shift failed: GET \/api\/admin\/jobs latency shift/);
    expect(JSON.parse(readFileSync(path.join(cwd, 'g2', 'run.json'), 'utf8')).kind).toBe('gate');
    const thin = await runCli(['gate', '--current', saved(histogramRecord(ROUTE_MIX(300, { [JOBS]: 1.08 }), 2)), '--baseline', saved(histogramRecord(ROUTE_MIX(300), 1)), '--confidence', '99%', '--out', path.join(cwd, 'g3')], { cwd });
    expect(thin.code, thin.stdout).toBe(4);
    expect(thin.stdout).toMatch(/drill gate: INCONCLUSIVE/);
    expect(JSON.parse(readFileSync(path.join(cwd, 'g3', 'run.json'), 'utf8')).results.confidence).toBe(0.99);
  });

  it('refuses to bless a failing run, and bad tolerances', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-gate-'));
    const failing = saved(stressRecord(1, { verdict: 'fail' }));
    expect((await runCli(['baseline', 'save', failing], { cwd })).stderr).toMatch(/did not pass \(fail\); bless a passing run/);
    const pct = await runCli(['gate', '--current', failing, '--baseline', failing, '--max-p95-regression', 'ten'], { cwd });
    expect(pct.code).toBe(2);
    expect(pct.stderr).toMatch(/"ten" is not a percentage/);
    const conf = await runCli(['gate', '--current', failing, '--baseline', failing, '--confidence', '0.2'], { cwd });
    expect(conf.code).toBe(2);
    expect(conf.stderr).toMatch(/--confidence: "0.2" must be between 0.5 and 1/);
    const both = await runCli(['gate', '--current', failing, '--control', 'http://127.0.0.1:1', '--candidate', 'http://127.0.0.1:2'], { cwd });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not both/);
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
