import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { K6_FIXTURE, fakeK6Bin, k6Csv } from './helpers/fake-k6.ts';
import { routeTag } from '../k6/script.ts';
import { defaultScenario } from '../scenarios/load.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';

const FIXTURE = K6_FIXTURE;
const fixture = sandboxOnTestDatabase({});
let sandbox: TestSandbox;
let bin: string;

beforeAll(async () => {
  ({ sandbox } = fixture);
  bin = fakeK6Bin();
});

async function stress(extraEnv: Record<string, string> = {}) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'drill-k6-engine-'));
  writeFileSync(path.join(cwd, 'cookies.txt'), `${(await sandbox.mintCookies(2)).join('\n')}\n`);
  writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, stress: { baseline: '300ms' } }));
  const out = path.join(cwd, 'run');
  const spy = mkdtempSync(path.join(tmpdir(), 'fake-k6-spy-'));
  const result = await runCli(['stress', '--target', sandbox.url, '--profile', 'smoke', '--engine', 'k6', '--cookies', 'cookies.txt', '--out', out], {
    cwd,
    env: { PATH: `${bin}:${process.env.PATH}`, CRON_SECRET: TEST_CRON_SECRET, FAKE_K6_SPY: spy, ...extraEnv },
  });
  return { ...result, out, spy };
}

describe('drill stress --engine k6', () => {
  it('runs the exported script with the watcher alongside and judges the summary', async () => {
    const { code, stderr, out, spy } = await stress();
    expect(code, stderr).toBe(0);
    expect(readFileSync(path.join(spy, 'args'), 'utf8')).toMatch(/^run --quiet .*\/k6\/script\.js/);
    const [base, cookies, cron] = readFileSync(path.join(spy, 'env'), 'utf8').trim().split('|');
    expect(base).toBe(sandbox.url);
    expect(JSON.parse(readFileSync(path.join(spy, 'cookies.json'), 'utf8'))).toHaveLength(2);
    expect(cron).toBe('cron-set');
    // The pool went to a private directory outside the run directory, removed after the run.
    expect(cookies!.startsWith(out)).toBe(false);
    expect(existsSync(cookies!)).toBe(false);
    expect(existsSync(path.join(out, 'k6', 'cookies.json'))).toBe(false);
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ kind: 'stress', verdict: 'pass', results: { engine: 'k6' } });
    expect(record.results.samples.count).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'k6', 'script.js'))).toBe(true);
  });

  it('with k6\'s per-request CSV: drill\'s own intervals (charts) and exact figures, judged by the route rules', async () => {
    const routes = defaultScenario().routes;
    const t0 = Date.now();
    const requests = Array.from({ length: 300 }, (_, i) => {
      const route = routes[i % routes.length]!;
      // One sign-in redirect on a session route: drill's rule makes it an error and an auth failure.
      const status = i === 7 && route.auth === 'session' ? 302 : route.method === 'POST' ? 202 : 200;
      return { tMs: t0 + Math.floor(i / 100) * 1000 + (i % 100) * 9, route: route.name, tag: routeTag(route.name), method: route.method, status, ms: 10 + (i % 10), failed: status === 302 };
    });
    const csv = path.join(mkdtempSync(path.join(tmpdir(), 'k6-csv-')), 'metrics.csv');
    writeFileSync(csv, k6Csv(requests));
    const { out } = await stress({ FAKE_K6_CSV: csv });
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record.results.load.overall.requests).toBe(300);
    expect(record.results.load.overall.errors).toBe(1);
    expect(record.results.load.overall.authFailures).toBe(1);
    expect(record.results.load.overall.latencyMs.max).toBeCloseTo(19, 0);
    expect(record.results.k6.notes).toEqual(["load figures from k6's per-request CSV (300 requests)"]);
    const intervals = readFileSync(path.join(out, 'intervals.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(intervals.map((i: { overall: { requests: number } }) => i.overall.requests)).toEqual([100, 100, 100]);
    expect(intervals.every((i: { routes: Record<string, { histogram?: string }> }) => Object.values(i.routes).every((r) => typeof r.histogram === 'string'))).toBe(true);
    // So report.html draws the load charts for a k6 run, like any other.
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const data = JSON.parse(/<script id="drill-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.series.load.rps.length).toBe(3);
  });

  it('exit 99 (k6 thresholds failed) still yields drill\'s verdict from the summary', async () => {
    const { out } = await stress({ FAKE_K6_EXIT: '99' });
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record.results.k6ExitCode).toBe(99);
    expect(record.results.load.overall.requests).toBe(220);
  });

  it('k6 failing to run is a load.engine error and a failed verdict, with its message', async () => {
    const { code, out } = await stress({ FAKE_K6_MODE: 'crash' });
    expect(code).toBe(1);
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record.checks.find((c: { id: string }) => c.id === 'load.engine').summary).toMatch(/k6 failed: level=error msg="could not initialize"/);
    expect(record.reasons.join('\n')).toMatch(/k6 wrote no summary/);
  });
});

describe('drill watch --k6-summary', () => {
  it('adds the k6 load that ran alongside to the watch record, judged by the config thresholds', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-watch-k6-'));
    writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, thresholds: { overall: ['p(95)<500'] } }));
    const { code, stderr } = await runCli(['watch', '--target', sandbox.url, '--duration', '1s', '--k6-summary', FIXTURE, '--out', 'w'], { cwd, env: { CRON_SECRET: TEST_CRON_SECRET } });
    expect(code, stderr).toBe(0);
    const record = JSON.parse(readFileSync(path.join(cwd, 'w', 'run.json'), 'utf8'));
    expect(record.kind).toBe('watch');
    expect(record.results.load.overall.requests).toBe(220);
    expect(record.checks.find((c: { id: string }) => c.id === 'threshold.overall.p(95)<500').status).toBe('pass');
  });
});
