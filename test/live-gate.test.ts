import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deepMerge } from '../config/load.ts';
import type { DrillConfigInput } from '../config/schema.ts';
import { readRecord } from '../record/read.ts';
import { stressResultsOf, type GateRecord } from '../record/run-record.ts';
import { liveGate } from '../runs/live-gate.ts';
import { openEmbedded, type EmbeddedDb } from '../sandbox/db/db.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { TEST_CRON_SECRET } from './helpers/sandbox.ts';
import { FAST_STRESS } from './helpers/stress.ts';

/**
 * The live A/B gate end to end: two sandboxes of one build on one embedded database (two
 * deployments of one Supabase project), loaded side by side by one engine.
 */
let db: EmbeddedDb;
let control: Sandbox;
let candidate: Sandbox;
let cookies: string[];

beforeAll(async () => {
  db = await openEmbedded();
  const common = { port: 0, cronSecret: TEST_CRON_SECRET, jwtSecret: 'drill-test-jwt-secret-0123456789', authIssuer: 'http://127.0.0.1/auth/v1', logLevel: 'warn' as const, ambientJobsPerTick: 0 };
  control = await startSandbox(common, { db });
  candidate = await startSandbox(common, { db });
  cookies = await control.mintCookies(10);
}, 60_000);

afterAll(async () => {
  await candidate?.stop();
  await control?.stop();
  await db?.close();
});

beforeEach(() => candidate.faults.clear());

const CONFIG = deepMerge(FAST_STRESS, {
  // Short pauses, so eight seconds give every busy route well over the gate's minimum.
  stress: { profiles: { smoke: { thinkTime: { distribution: 'exponential', mean: '60ms', min: '10ms' } } } },
}) as DrillConfigInput;

async function gate(): Promise<{ record: GateRecord; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-live-gate-'));
  const record = await liveGate({
    config: CONFIG, out: dir, env: {}, control: control.url, candidate: candidate.url,
    profile: 'smoke', users: 10, durationMs: 8000, cookies, cronSecret: TEST_CRON_SECRET, workers: 1,
  });
  return { record, dir };
}

const armRoutes = (dir: string, arm: 'control' | 'candidate') => stressResultsOf(readRecord(path.join(dir, arm)))!.load!.routes;

describe('drill gate --control --candidate', () => {
  it('one build on both arms: no fail, and both arms get the very same schedule (twins draw alike)', async () => {
    const { record, dir } = await gate();
    expect(record.verdict, record.reasons.join('\n')).not.toBe('fail');
    const a = armRoutes(dir, 'control');
    const b = armRoutes(dir, 'candidate');
    const total = Object.values(a).reduce((n, r) => n + r.requests, 0);
    // Enough requests that independent draws could not pass the bound below (~400 on a busy
    // 2-core runner, ~700 on a quiet one).
    expect(total).toBeGreaterThan(300);
    // Each twin pair draws the same routes in the same order, so per route the arms differ
    // only by requests one twin was ahead at the end: a few. Independent draws would differ
    // by about the square root of each route's count (7 to 15 on every busy route here).
    const apart = Object.keys(a).reduce((n, name) => n + Math.abs(a[name]!.requests - (b[name]?.requests ?? 0)), 0);
    expect(apart).toBeLessThanOrEqual(20);
  });

  it('a slower route on the candidate fails the gate on that route, and nowhere unrelated', async () => {
    candidate.faults.add('latency:/api/admin/jobs:40');
    const { record } = await gate();
    expect(record.verdict).toBe('fail');
    const failed = record.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    expect(failed).toContain('gate.GET /api/admin/jobs.shift');
    expect(failed.filter((id) => !/jobs|overall/.test(id))).toEqual([]);
  });
});
