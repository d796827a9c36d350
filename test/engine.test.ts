import { afterEach, describe, expect, it } from 'vitest';
import { lagUs, latencyUs } from '../engine/timing.ts';
import { runEngine } from './helpers/load.ts';
import { startScriptServer, type ScriptServer } from './helpers/script-server.ts';

let server: ScriptServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const scenario = (routes: { path: string; weight: number; auth?: 'session' | 'none' }[], think: { distribution: 'constant' | 'exponential'; mean: string; min?: string }) => ({
  name: 'test',
  routes: routes.map((r) => ({ method: 'GET' as const, auth: r.auth ?? ('none' as const), ...r })),
  thinkTime: { min: '0ms', max: '30s', ...think },
});

describe('load engine', () => {
  // Pacing is judged from what the server saw, per user: the gap between one user's
  // requests is its think time plus the answer's latency. Counting requests against wall
  // time instead would mix in start-up and stop edges, which a busy machine stretches.
  const perUserGaps = () => {
    const last = new Map<string, number>();
    const gaps: number[] = [];
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const now = performance.now();
      const user = String(req.headers.cookie);
      const before = last.get(user);
      if (before !== undefined) gaps.push(now - before);
      last.set(user, now);
      res.writeHead(200).end('ok');
    };
    return { handler, gaps, users: last };
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sessions = (n: number) => Array.from({ length: n }, (_, i) => `sb-test-auth-token=user-${i}`);

  it('paces users: no user sends sooner than its think time, and the mean gap is think + latency', async () => {
    const seen = perUserGaps();
    server = await startScriptServer(seen.handler);
    const { summary } = await runEngine(server.url, scenario([{ path: '/a', weight: 1, auth: 'session' }], { distribution: 'constant', mean: '100ms' }), { users: 20, ms: 3000, cookies: sessions(20) });
    expect(seen.users.size).toBe(20);
    // A request may leave up to 1 ms early (engine/timing.ts), never a whole think time early.
    expect(Math.min(...seen.gaps)).toBeGreaterThanOrEqual(99);
    // The engine's latency runs from the intended send time, so it already holds any lateness
    // of the generator: gap = think + latency, whatever the machine is doing.
    const expected = 100 + summary.overall.latencyMs!.mean;
    expect(Math.abs(mean(seen.gaps) - expected) / expected).toBeLessThan(0.05);
  });

  it('exponential think time gives the intended mean gap per user', async () => {
    const seen = perUserGaps();
    server = await startScriptServer(seen.handler);
    const { summary } = await runEngine(server.url, scenario([{ path: '/a', weight: 1, auth: 'session' }], { distribution: 'exponential', mean: '200ms' }), { users: 40, ms: 4000, cookies: sessions(40) });
    const expected = 200 + summary.overall.latencyMs!.mean;
    // ~750 exponential gaps: the standard error of their mean is 200/sqrt(750) = 7 ms, so a
    // 10% band (22 ms) is three standard errors.
    expect(seen.gaps.length).toBeGreaterThan(500);
    expect(Math.abs(mean(seen.gaps) - expected) / expected).toBeLessThan(0.1);
    // Exponential, not constant: the spread of gaps is about their mean.
    const sd = Math.sqrt(mean(seen.gaps.map((g) => (g - mean(seen.gaps)) ** 2)));
    expect(sd / 200).toBeGreaterThan(0.7);
  });

  it('uses every session in the pool, each user keeping its own', async () => {
    const seen = new Map<string, number>();
    server = await startScriptServer((req, res) => {
      const cookie = req.headers.cookie ?? '';
      seen.set(cookie, (seen.get(cookie) ?? 0) + 1);
      res.writeHead(200).end();
    });
    const cookies = Array.from({ length: 7 }, (_, i) => `sb-test-auth-token=session-${i}`);
    await runEngine(server.url, scenario([{ path: '/a', weight: 1, auth: 'session' }], { distribution: 'constant', mean: '50ms' }), { users: 7, ms: 800, cookies, workers: 2 });
    expect([...seen.keys()].sort()).toEqual([...cookies].sort());
  });

  it('per-route latency matches a server with known delays', async () => {
    server = await startScriptServer((req, res) => {
      const delay = req.url === '/slow' ? 150 : 50;
      setTimeout(() => res.writeHead(200).end(), delay);
    });
    const { summary } = await runEngine(server.url, scenario([{ path: '/fast', weight: 1 }, { path: '/slow', weight: 1 }], { distribution: 'constant', mean: '20ms' }), { users: 10, ms: 2500 });
    const fast = summary.routes['GET /fast']!.latencyMs!;
    const slow = summary.routes['GET /slow']!.latencyMs!;
    // Never below the server's delay; above it only by loopback and scheduling time, which a
    // busy CI machine stretches, so the bound is loose and the routes' difference is checked too.
    expect(fast.p50).toBeGreaterThanOrEqual(50);
    expect(fast.p50).toBeLessThan(50 + 25);
    expect(slow.p50).toBeGreaterThanOrEqual(150);
    expect(slow.p50).toBeLessThan(150 + 25);
    expect(Math.abs(slow.p50 - fast.p50 - 100)).toBeLessThan(15);
    expect(summary.routes['GET /fast']!.requests + summary.routes['GET /slow']!.requests).toBe(summary.overall.requests);
  });

  it('under an arrival rate, stalls show in the tail (latency from the intended send time)', async () => {
    const started = Date.now();
    server = await startScriptServer((_req, res) => {
      // A 600 ms stall every 2 s: requests arriving inside it wait for its end.
      const phase = (Date.now() - started) % 2000;
      setTimeout(() => res.writeHead(200).end(), phase < 600 ? 600 - phase : 0);
    });
    const { summary } = await runEngine(server.url, scenario([{ path: '/a', weight: 1 }], { distribution: 'constant', mean: '0ms' }), { rate: 100, ms: 4000 });
    const l = summary.overall.latencyMs!;
    expect(summary.overall.requests).toBeGreaterThan(350);
    expect(l.p50).toBeLessThan(50);
    expect(l.p99).toBeGreaterThan(450);
    expect(l.max).toBeGreaterThan(550);
  });

  it('arrival rate is kept: the server sees the intended rate through the run, drops counted', async () => {
    const arrivals: number[] = [];
    server = await startScriptServer((_req, res) => {
      arrivals.push(performance.now());
      res.writeHead(200).end();
    });
    const { summary } = await runEngine(server.url, scenario([{ path: '/a', weight: 1 }], { distribution: 'constant', mean: '0ms' }), { rate: 300, ms: 4000 });
    // Arrivals are scheduled by their intended times, so a late timer sends the backlog at
    // once instead of losing it: over the middle two seconds (edges left out) the count is
    // 600. Poisson-free (constant spacing), so the band only has to hold the window edges.
    const t0 = arrivals[0]!;
    const middle = arrivals.filter((t) => t >= t0 + 1000 && t < t0 + 3000).length;
    expect(Math.abs(middle - 600) / 600).toBeLessThan(0.05);
    // Every intended arrival is either answered or counted as dropped, never missing.
    expect(summary.overall.requests + summary.dropped).toBeGreaterThanOrEqual(arrivals.length);
    expect(summary.dropped).toBe(0);
  });

  it('a redirect on a session route (sign-in redirect) is an error and an auth failure', async () => {
    server = await startScriptServer((_req, res) => res.writeHead(307, { location: '/login' }).end());
    const { summary } = await runEngine(server.url, scenario([{ path: '/admin', weight: 1, auth: 'session' }], { distribution: 'constant', mean: '50ms' }), { users: 3, ms: 600, cookies: ['sb-x-auth-token=a'] });
    const admin = summary.routes['GET /admin']!;
    expect(admin.requests).toBeGreaterThan(3);
    expect(admin.errorRate).toBe(1);
    expect(admin.authFailures).toBe(admin.requests);
  });

  it('counts errors, timeouts and refused connections by kind', async () => {
    server = await startScriptServer((req, res) => {
      if (req.url === '/500') res.writeHead(500).end();
      else if (req.url === '/401') res.writeHead(401).end();
      // /hang never answers
    });
    const { summary } = await runEngine(
      server.url,
      scenario([{ path: '/500', weight: 1 }, { path: '/401', weight: 1 }, { path: '/hang', weight: 1 }], { distribution: 'constant', mean: '50ms' }),
      { users: 6, ms: 1500, timeoutMs: 300 },
    );
    expect(summary.routes['GET /500']!.errorRate).toBe(1);
    expect(summary.routes['GET /401']!.authFailures).toBe(summary.routes['GET /401']!.requests);
    expect(summary.routes['GET /hang']!.timeouts).toBeGreaterThan(0);
    expect(summary.overall.transportErrors.timeout).toBe(summary.routes['GET /hang']!.timeouts);
  });

  it('requests still open when the load stops are recorded as timeouts, none lost', async () => {
    server = await startScriptServer(() => {}); // never answers
    // With a 2.5 s timeout the client sweeps every 250 ms, so the last requests' timeouts are
    // noticed up to 2.75 s after the stop: the stop must wait that long, or close them itself.
    const { summary } = await runEngine(server.url, scenario([{ path: '/hang', weight: 1 }], { distribution: 'constant', mean: '0ms' }), { rate: 100, ms: 850, timeoutMs: 2500 });
    expect(server.requests).toBeGreaterThan(50);
    expect(summary.overall.requests).toBe(server.requests);
    expect(summary.overall.transportErrors).toEqual({ timeout: server.requests });
  });
});

describe('request timing', () => {
  it('a request that left late counts from when it was due: the generator cannot hide its own delay', () => {
    // Due at 100 ms, left at 300 ms (a stalled event loop), answered at 310 ms.
    expect(latencyUs(100, 300, 310)).toBe(210_000);
    expect(lagUs(100, 300)).toBe(200_000);
  });

  it('a request that left early counts from when it left, never less than its real time', () => {
    // Due at 100 ms, left 0.4 ms early, answered 5 ms after it left.
    expect(latencyUs(100, 99.6, 104.6)).toBeCloseTo(5000, 6);
    expect(lagUs(100, 99.6)).toBe(0);
  });

});
