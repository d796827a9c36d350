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
export async function runDrillEngine(url: string, opts: { users?: number; rate?: number; ms: number; workers?: number; thinkMs?: number; cookies?: string[]; maxInFlight?: number; connections?: number }) {
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
    connections: opts.connections ?? Math.min(256, opts.users ?? 64),
    ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
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
    perSecond: Array.from(perSecond, (n) => n ?? 0), requests: summary.overall.requests, dropped: summary.dropped, rps: summary.overall.requests / elapsed, latency: summary.overall.latencyMs, lag: summary.scheduleLagMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, elapsed, peakElu };
}

/** Raw autocannon on the same target, closed model with `connections`. */
export async function runAutocannon(url: string, opts: { connections: number; seconds: number; rate?: number }) {
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({ url, connections: opts.connections, duration: opts.seconds, overallRate: opts.rate });
  const cpu = process.cpuUsage(cpuBefore);
  return { requests: result.requests.total, rps: result.requests.total / opts.seconds, latency: result.latency, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/**
 * Debian's nginx answering `return 200` on a loopback port, one worker: the fast target the
 * engine-ceiling comparison uses when nginx is installed (apt-get install nginx-light).
 */
export async function startNginx(): Promise<Target | null> {
  const { existsSync, mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const net = await import('node:net');
  if (!existsSync('/usr/sbin/nginx')) return null;
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-nginx-'));
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 100000; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location / { return 200 'ok'; } } }\n`,
  );
  const child = spawn('/usr/sbin/nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; i += 1) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGQUIT'))),
  };
}

/** wrk with one thread and `connections` connections; req/s and CPU per request from its own process times. */
export async function runWrk(url: string, opts: { connections: number; seconds: number }): Promise<{ rps: number; cpuUsPerReq: number } | null> {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('which', ['wrk'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  // `times` after wrk prints the shell's children's user and system CPU.
  const out = execFileSync('sh', ['-c', `wrk -t1 -c${opts.connections} -d${opts.seconds}s ${url}/ && times`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const lines = out.trim().split('\n');
  const cpu = (lines[lines.length - 1] ?? '').split(/\s+/).map((t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  });
  return { rps, cpuUsPerReq: ((cpu[0]! + cpu[1]!) / total) * 1e6 };
}
