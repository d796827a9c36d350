import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { LoadEngine } from '../engine/load-engine.ts';
import { LoadStats } from '../engine/stats.ts';
import { parseScenario } from '../scenarios/load.ts';

export interface Target {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts bench/target-server.mjs in its own process (its own core), on loopback. */
export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./target-server.mjs', import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

export const ONE_ROUTE = parseScenario(
  { name: 'bench', routes: [{ method: 'GET', path: '/', weight: 1, auth: 'none' }], thinkTime: { distribution: 'constant', mean: '0ms', min: '0ms' } },
  'bench',
);

/** Our engine: `users` closed-loop users (no think time) or an arrival rate, for `ms`. */
export async function runDrillEngine(url: string, opts: { users?: number; rate?: number; ms: number; workers?: number; thinkMs?: number; cookies?: string[] }) {
  const scenario = opts.thinkMs === undefined ? ONE_ROUTE : { ...ONE_ROUTE, thinkTime: { distribution: 'exponential' as const, mean: opts.thinkMs, min: 0, max: opts.thinkMs * 10 } };
  const stats = new LoadStats([{ name: 'GET /', auth: 'none' }], Date.now());
  const perSecond: number[] = [];
  let peakElu = 0;
  const engine = new LoadEngine({
    target: url,
    scenario,
    cookies: opts.cookies ?? [],
    cronSecret: null,
    workers: opts.workers ?? 1,
    timeoutMs: 10_000,
    connections: Math.min(256, opts.users ?? 64),
    onBatch: (b) => {
      stats.add(b, opts.users ?? 0);
      peakElu = Math.max(peakElu, b.elu);
      for (const i of stats.closeIntervals(Date.now())) perSecond[i.elapsedS] = i.overall.requests;
    },
  });
  await engine.ready();
  stats.startAt(Date.now());
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  if (opts.users) engine.setUsers(opts.users);
  if (opts.rate) engine.setRate(opts.rate);
  await new Promise((resolve) => setTimeout(resolve, opts.ms));
  await engine.stop();
  const elapsed = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  for (const i of stats.closeIntervals(Number.POSITIVE_INFINITY)) perSecond[i.elapsedS] = i.overall.requests;
  const summary = stats.summary();
  return {
    perSecond: Array.from(perSecond, (n) => n ?? 0), requests: summary.overall.requests, rps: summary.overall.requests / elapsed, latency: summary.overall.latencyMs, lag: summary.scheduleLagMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, elapsed, peakElu };
}

/** Raw autocannon on the same target, closed model with `connections`. */
export async function runAutocannon(url: string, opts: { connections: number; seconds: number; rate?: number }) {
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({ url, connections: opts.connections, duration: opts.seconds, overallRate: opts.rate });
  const cpu = process.cpuUsage(cpuBefore);
  return { requests: result.requests.total, rps: result.requests.total / opts.seconds, latency: result.latency, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
