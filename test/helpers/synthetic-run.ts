import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RouteSummary } from '../../record/load.ts';
import type { RecordInputOf } from '../../record/run-record.ts';

export const ROUTES = Array.from({ length: 10 }, (_, i) => `GET /api/admin/route-${i}`);

export function summary(p95: number, opts: Partial<RouteSummary> = {}): RouteSummary {
  return {
    requests: 1000, rps: 50, errors: 0, errorRate: 0, timeouts: 0, authFailures: 0, status: { 200: 1000 }, transportErrors: {},
    latencyMs: { min: 1, mean: p95 / 2, p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.5, max: p95 * 3 },
    ...opts,
  };
}

/** A stress record whose overall and per-route latency is scaled by `factor`. */
export function stressRecord(factor = 1, extra: Partial<RecordInputOf<'stress'>> = {}, overallOver: Partial<RouteSummary> = {}): RecordInputOf<'stress'> {
  return {
    schemaVersion: 1, kind: 'stress', tool: { name: 'drill', version: 'test' },
    startedAt: '2026-11-29T10:00:00.000Z', endedAt: '2026-11-29T11:00:00.000Z', target: 'http://127.0.0.1:3999', verdict: 'pass',
    config: {}, environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 },
    results: {
      profile: { name: 'pricing', peakUsers: 200, durationMs: 3_600_000 },
      load: { overall: summary(200 * factor, overallOver), routes: Object.fromEntries(ROUTES.map((r, i) => [r, summary((100 + i * 20) * factor)])) },
      recovery: { recovered: true, drainMs: 20_000, normal: 10, backlogAtLoadEnd: 40 },
      phases: { baselineEndedAt: '2026-11-29T10:00:15.000Z', loadEndedAt: '2026-11-29T10:59:00.000Z' },
    },
    ...extra,
  };
}

/** A one-hour run directory: 3,600 one-second intervals over 10 routes and 3,600 health samples. */
export function syntheticHourDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-hour-'));
  const t0 = Date.parse('2026-11-29T10:00:00Z');
  const intervals: string[] = [];
  const samples: string[] = [];
  for (let s = 0; s < 3600; s += 1) {
    const wave = 1 + 0.5 * Math.sin(s / 300);
    const lat = { min: 1, mean: 40 * wave, p50: 30 * wave, p90: 80 * wave, p95: 100 * wave, p99: 180 * wave, max: 400 * wave };
    intervals.push(JSON.stringify({
      t: new Date(t0 + s * 1000).toISOString(), elapsedS: s, users: 200,
      overall: summary(lat.p95, { requests: 60, rps: 60, errors: s % 97 === 0 ? 1 : 0, errorRate: s % 97 === 0 ? 1 / 60 : 0, status: { 200: 60 }, latencyMs: lat }),
      routes: Object.fromEntries(ROUTES.map((r, i) => [r, summary(lat.p95, { requests: 6, rps: 6, status: { 200: 6 }, latencyMs: { ...lat, p95: lat.p95 + i * 5 } })])),
    }));
    samples.push(JSON.stringify({
      seq: s, t: new Date(t0 + s * 1000).toISOString(), tMs: t0 + s * 1000, lagMs: 0, httpStatus: 200, latencyMs: 3, degraded: s > 1800 && s < 1900, status: 'ok', error: null, queueError: null,
      queue: { pending: Math.round(20 * wave), retrying: s % 50, processing: 3, dead_letter: s > 3000 ? 1 : 0, oldest_ready_at: null, oldest_ready_age_seconds: s % 120 },
    }));
  }
  writeFileSync(path.join(dir, 'intervals.ndjson'), `${intervals.join('\n')}\n`);
  writeFileSync(path.join(dir, 'samples.ndjson'), `${samples.join('\n')}\n`);
  return dir;
}
