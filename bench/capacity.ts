/**
 * The open model and the capacity search, measured: how close the engine's arrivals come to
 * the rate asked for (every intended request either sent or counted as dropped), and how long
 * `drill capacity` takes to find the knee of a sandbox whose capacity is known, and how near.
 * All traffic on 127.0.0.1.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepMerge, parseConfig, resolvedConfig } from '../config/load.ts';
import { runCapacity } from '../runs/capacity.ts';
import { startSandbox } from '../sandbox/index.ts';
import { runDrillEngine, startNginx, startTarget } from './lib.ts';

export interface ArrivalAccuracy {
  target: string;
  rate: number;
  seconds: number;
  intended: number;
  sent: number;
  dropped: number;
  achieved: number;
  lagP99: number | null;
}

/** `rate` arrivals a second for `seconds` on one worker: intended, answered, dropped. */
export async function arrivalAccuracy(rate: number, seconds: number): Promise<ArrivalAccuracy> {
  const nginx = await startNginx();
  const target = nginx ?? (await startTarget());
  try {
    const d = await runDrillEngine(target.url, { rate, ms: seconds * 1000, workers: 1, connections: 256, maxInFlight: 2000 });
    // The rate is on for exactly `seconds`; the wait for answers in flight after it adds none.
    const intended = Math.round(rate * seconds);
    return { target: nginx ? 'nginx' : 'node target', rate, seconds, intended, sent: d.requests, dropped: d.dropped, achieved: d.requests / seconds, lagP99: d.lag?.p99 ?? null };
  } finally {
    await target.stop();
  }
}

export interface CapacityAccuracy {
  capacity: number;
  found: number | null;
  errorPct: number | null;
  wallS: number;
  steps: number;
  firstBreak: string | null;
  verdict: string;
  reasons: string[];
}

/** drill capacity against the embedded sandbox with `--fault capacity:N`, the route mix's cheapest page. */
export async function capacityAccuracy(capacity: number, hold: string, precision: number): Promise<CapacityAccuracy> {
  const sandbox = await startSandbox({ port: 0, faults: [`capacity:${capacity}`], ambientJobsPerTick: 0, logLevel: 'silent', seed: { orgs: 1, adminUsers: 2, invoicesPerOrg: 100, completedJobsPerOrg: 100 } });
  try {
    // Generous generator limits, as the tests set: on this shared 2-core machine the worker
    // is often descheduled for tens of ms, and this bench measures the search, not the machine.
    const config = resolvedConfig(
      parseConfig(
        deepMerge(
          { watch: { interval: '1s' }, stress: { baseline: '2s', recoveryTimeout: '10s', minRequests: 5 }, limits: { maxScheduleLagP99: '5s', maxWorkerUtilization: 1 } },
          { capacity: { hold, precision, maxDuration: '10m', startRate: Math.round(capacity / 4) } },
        ),
      ),
    );
    const started = Date.now();
    const record = await runCapacity({
      config, out: mkdtempSync(path.join(tmpdir(), 'drill-bench-capacity-')), env: {}, target: sandbox.url, cronSecret: sandbox.options.cronSecret, cookies: await sandbox.mintCookies(2), workers: 1,
      scenario: { name: 'login', routes: [{ name: 'GET /login', method: 'GET', path: '/login', weight: 1, auth: 'none' }] },
    });
    const found = record.results.sustainable?.rate ?? null;
    return {
      capacity, found, errorPct: found === null ? null : Math.round(((found - capacity) / capacity) * 1000) / 10, wallS: Math.round((Date.now() - started) / 100) / 10,
      steps: record.results.steps?.length ?? 0, firstBreak: record.results.firstBreak ? `${record.results.firstBreak.signal} at ${record.results.firstBreak.rate}/s` : null, verdict: record.verdict, reasons: record.reasons,
    };
  } finally {
    await sandbox.stop();
  }
}
