import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { CapacityStep } from '../record/results.ts';
import { RunDir } from '../record/run-dir.ts';
import type { RecordInputOf } from '../record/run-record.ts';
import { writeRecord } from '../reports/write.ts';

const CHROMIUM = '/usr/bin/chromium';

function step(index: number, phase: 'ramp' | 'bisect', rate: number, p95: number, sustainable: boolean): CapacityStep {
  return {
    index, phase, rate, startedAt: new Date(Date.parse('2026-12-02T05:00:00Z') + index * 12_000).toISOString(), durationMs: 10_000, requests: rate * 10, achievedRate: Math.min(rate, 100),
    dropped: 0, errorRate: 0, latencyMs: { p50: p95 / 2, p95, p99: p95 * 1.3 }, backlog: { start: 2, end: sustainable ? 2 : 9 }, inFlight: { start: 5, end: sustainable ? 5 : 120, max: sustainable ? 6 : 120 },
    scheduleLagP99Ms: 1.2, sustainable, broke: sustainable ? [] : [{ signal: 'in_flight', detail: 'requests piled up | grew 20/s' }],
  };
}

/** A capacity record as drill capacity writes it: the answer, its steps, and the headroom. */
function capacityRecord(): RecordInputOf<'capacity'> {
  const steps = [step(0, 'ramp', 40, 52, true), step(1, 'ramp', 60, 53, true), step(2, 'ramp', 90, 55, true), step(3, 'ramp', 135, 900, false), step(4, 'bisect', 112, 400, false), step(5, 'bisect', 101, 120, false), step(6, 'bisect', 95.6, 56, true)];
  return {
    schemaVersion: 2, kind: 'capacity', tool: { name: 'drill', version: 'test' }, startedAt: '2026-12-02T05:00:00.000Z', endedAt: '2026-12-02T05:02:00.000Z', target: 'http://127.0.0.1:3999',
    verdict: 'pass', config: {}, environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 },
    checks: [{ id: 'capacity.knee', status: 'pass', summary: 'highest sustainable 95.6/s' }, { id: 'capacity.headroom', status: 'pass', summary: 'headroom 1.9× over the expected 50/s' }],
    results: {
      steps, sustainable: { rate: 95.6, p95Ms: 56, errorRate: 0, backlog: 2 }, firstBreak: { rate: 135, signal: 'in_flight', detail: 'requests piled up' },
      knee: { low: 95.6, high: 101 }, limitedBy: 'app', expect: 50, headroom: 1.9,
    },
  };
}

describe('the capacity report', () => {
  it('says the answer in words, lists every step, and draws rate against latency, backlog and in flight', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-capacity-report-'));
    const record = writeRecord(RunDir.open(dir), capacityRecord(), {});
    expect(record.kind).toBe('capacity');
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toContain('Highest sustainable rate: **95.6/s** (p95 56.0 ms, errors 0.00%, backlog 2).');
    expect(md).toContain('First to break: `in_flight` at 135/s');
    expect(md).toContain('Headroom: 1.9× over the expected 50/s.');
    expect(md).toContain('| 4 | ramp | 135 | 100 | 900 | 0.0% | 2 → 9 | 5 → 120 | in_flight: requests piled up \\| grew 20/s |');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${path.join(dir, 'report.html')}`);
      await page.waitForSelector('body[data-charts-drawn]');
      expect(errors).toEqual([]);
      const inked = await page.evaluate(() => {
        const c = document.querySelector('#c-capacity canvas') as HTMLCanvasElement | null;
        if (!c) return 0;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n += 1;
        return n;
      });
      expect(inked).toBeGreaterThan(500);
      expect(await page.textContent('h1')).toContain('capacity');
      expect(await page.textContent('body')).toContain('headroom 1.9× over 50/s');
      // The step table: the escaped pipe in a detail stays in its cell.
      expect(await page.locator('table').last().locator('tr').count()).toBe(8);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
