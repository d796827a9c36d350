import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mergeToString } from 'junit-report-merger';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { secrets } from '../core/secrets.ts';
import { RunDir } from '../record/run-dir.ts';
import { MAX_POINTS, loadSeries } from '../reports/series.ts';
import { writeRecord } from '../reports/write.ts';
import { runCli } from './helpers/cli.ts';
import { ROUTES, stressRecord, syntheticHourDir } from './helpers/synthetic-run.ts';

const CHROMIUM = '/usr/bin/chromium';
const firedAlert = {
  id: 'queue_backlog_high', state: 'resolved' as const, firedAt: '2026-11-29T10:20:00.000Z', resolvedAt: '2026-11-29T10:25:00.000Z',
  summary: 'fired: backlog 40', timeline: [],
};

function hourRun() {
  const dir = syntheticHourDir();
  const record = writeRecord(
    RunDir.open(dir),
    stressRecord(1, {
      verdict: 'fail',
      reasons: ['alert queue_backlog_high fired during the run'],
      checks: [
        { id: 'threshold.overall.p(95)<800', status: 'pass', summary: 'overall p(95) was 200.0ms' },
        { id: 'queue.recovery', status: 'fail', summary: 'backlog still 40' },
        { id: 'watch.snapshot', status: 'skip', summary: 'no CRON_SECRET' },
      ],
      alerts: [firedAlert, { id: 'dead_letter_nonzero', state: 'inactive', timeline: [] }],
      streams: { samples: 'samples.ndjson', intervals: 'intervals.ndjson' },
    }),
    {},
  );
  return { dir, record };
}

describe('report.html', () => {
  it('renders in headless Chromium with no console errors and every chart drawn', async () => {
    const { dir } = hourRun();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      // Offline by construction: any request the page makes would fail this test.
      await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : (errors.push(`fetched ${route.request().url()}`), route.abort())));
      await page.goto(`file://${path.join(dir, 'report.html')}`);
      await page.waitForSelector('body[data-charts-drawn]');
      expect(errors).toEqual([]);
      expect(await page.getAttribute('body', 'data-charts-drawn')).toBe('8');
      // A drawn canvas has pixels other than its background.
      const inked = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n += 1;
        return n;
      }));
      expect(inked.every((n) => n > 500)).toBe(true);
      expect(await page.textContent('h1')).toContain('FAIL');
      mkdirSync('test-output', { recursive: true });
      await page.screenshot({ path: 'test-output/report-html.png', fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('the header names the profile and the engine with the headline figures; alerts firing all run stay readable', () => {
    const dir = syntheticHourDir();
    const allRun = (id: string) => ({ id, state: 'firing' as const, firedAt: '2026-11-29T10:00:30.000Z', timeline: [{ at: '2026-11-29T10:00:30.000Z', state: 'firing' as const, value: 1, reason: 'r' }] });
    writeRecord(
      RunDir.open(dir),
      stressRecord(1, { verdict: 'fail', alerts: ['queue_backlog_high', 'oldest_ready_age_high', 'dead_letter_nonzero', 'worker_cron_failing'].map(allRun), results: { ...stressRecord(1).results, engine: 'k6' } }),
      {},
    );
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/profile pricing · engine k6/);
    expect(html).toMatch(/<p class="headline"><span>1,000 requests \(50\/s\)<\/span> · <span>p95 200 ms<\/span>/);
    const data = JSON.parse(/<script id="drill-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!);
    // Four alerts over the same hour: four lanes, one merged tint (overlaps never stack up).
    expect(data.alertWindows.map((w: { lane: number }) => w.lane)).toEqual([0, 1, 2, 3]);
    expect(data.firingUnion).toHaveLength(1);
    expect(html).toContain('Alert lanes:');
  });

  it('stays small for a one-hour run: charts downsampled, full data left in NDJSON', () => {
    const { dir } = hourRun();
    const series = loadSeries(dir);
    expect(series.load!.t.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(series.queue!.t.length).toBeLessThanOrEqual(MAX_POINTS);
    // The degraded stretch survives downsampling (the worst sample of a bucket wins).
    expect(series.queue!.healthy).toContain(0);
    expect(statSync(path.join(dir, 'report.html')).size).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('junit.xml', () => {
  it('parses with a real JUnit consumer; failures carry the evidence', () => {
    const { dir } = hourRun();
    const xml = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    const merged = mergeToString([xml]);
    // 3 checks + 2 alerts; a failing check and a fired alert fail; a skipped check is skipped.
    expect(merged).toMatch(/<testsuites[^>]* tests="5"/);
    expect(merged).toMatch(/<testsuites[^>]* failures="2"/);
    expect(merged).toMatch(/<testsuites[^>]* skipped="1"/);
    expect(xml).toContain('name="queue.recovery"');
    expect(xml).toContain('alert queue_backlog_high fired at 2026-11-29T10:20:00.000Z, resolved at');
  });

  it('never counts missing evidence as a passing test: not-evaluated checks fail, not-evaluated alerts skip', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-junit-'));
    writeRecord(
      RunDir.create(dir),
      stressRecord(1, {
        verdict: 'fail',
        checks: [
          { id: 'logs.received', status: 'not_evaluated', summary: 'no log line arrived' },
          { id: 'threshold.overall.p(95)<800', status: 'not_evaluated', summary: '3 requests', strict: false },
          { id: 'health.components', status: 'pass', summary: 'ok' },
        ],
        alerts: [{ id: 'webhook_failures_spike', state: 'not_evaluated', summary: 'not evaluated: logs were asked for but no log line arrived', timeline: [] }],
      }),
      {},
    );
    const merged = mergeToString([readFileSync(path.join(dir, 'junit.xml'), 'utf8')]);
    expect(merged).toMatch(/<testsuites[^>]* tests="4"/);
    expect(merged).toMatch(/<testsuites[^>]* failures="1"/);
    expect(merged).toMatch(/<testsuites[^>]* skipped="2"/);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/\| NOT EVALUATED \| `logs\.received` \|[\s\S]*\| `webhook_failures_spike` \| not evaluated \|/);
  });
});

describe('secrets and CI summaries', () => {
  it('a secret given to the run appears in no rendered file; report.md goes to $GITHUB_STEP_SUMMARY', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-secret-'));
    const summaryFile = path.join(dir, 'summary.md');
    appendFileSync(summaryFile, '');
    secrets.add('sentinel-render-secret-93af');
    writeRecord(
      RunDir.create(dir),
      stressRecord(1, {
        verdict: 'fail',
        reasons: ['db.reachable failed: password sentinel-render-secret-93af rejected'],
        checks: [{ id: 'db.reachable', status: 'fail', summary: 'postgres://u:sentinel-render-secret-93af@db/x refused', evidence: { url: 'sentinel-render-secret-93af' } }],
        config: { note: 'sentinel-render-secret-93af' },
      }),
      { GITHUB_STEP_SUMMARY: summaryFile },
    );
    for (const file of ['run.json', 'report.md', 'report.html', 'junit.xml', 'summary.md']) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text.length, file).toBeGreaterThan(0);
      expect(text, file).not.toContain('sentinel-render-secret-93af');
    }
    expect(readFileSync(summaryFile, 'utf8')).toContain('# drill stress: FAIL');
  });
});

describe('drill report DIR', () => {
  it('re-renders every format from run.json', async () => {
    const { dir } = hourRun();
    writeFileSync(path.join(dir, 'report.html'), 'stale');
    const { code, stdout } = await runCli(['report', dir]);
    expect(code).toBe(1); // the run's verdict was fail
    expect(stdout).toContain('rendered');
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).not.toBe('stale');
    expect(html).toContain('id="drill-data"');
  });

  it('rebuilds the record from the NDJSON streams alone, and never calls it a pass', async () => {
    const dir = path.join(syntheticHourDir(), '..', `crashed-${Date.now()}-stress`);
    mkdirSync(dir);
    const src = syntheticHourDir();
    for (const f of ['samples.ndjson', 'intervals.ndjson']) writeFileSync(path.join(dir, f), readFileSync(path.join(src, f)));
    appendFileSync(path.join(dir, 'samples.ndjson'), '{"seq": 99999, "t": "torn li'); // the crash tore the last line
    writeFileSync(path.join(dir, 'alerts.ndjson'), `${JSON.stringify({ id: 'dead_letter_nonzero', at: '2026-11-29T10:50:00.000Z', state: 'firing', value: 1, reason: 'dead_letter 1' })}\n`);
    const { code, stdout } = await runCli(['report', dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('rebuilt run.json from the streams');
    const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ kind: 'stress', verdict: 'fail' });
    expect(record.alerts[0]).toMatchObject({ id: 'dead_letter_nonzero', state: 'firing', firedAt: '2026-11-29T10:50:00.000Z' });
    for (const f of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(path.join(dir, f))).toBe(true);
    // The load table survives: counts add exactly (60 a second for an hour); these synthetic
    // seconds carry no histograms, so the percentiles are an upper bound, and it says so.
    expect(record.results.load.overall.requests).toBe(3600 * 60);
    expect(record.results.load.routes[ROUTES[0]!].requests).toBe(3600 * 6);
    expect(record.results.engineNotes.join(' ')).toMatch(/upper bound/);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/## Load[\s\S]*\| \*\*overall\*\* \| 216000 \|/);
  });

  it('a directory with nothing to render is exit 2', async () => {
    const { code, stderr } = await runCli(['report', mkdtempSync(path.join(tmpdir(), 'drill-empty-'))]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/neither run\.json nor any NDJSON stream/);
  });
});
