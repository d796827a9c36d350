import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Client, type Failure } from '../../engine/http1/client.ts';
import { RequestHeads, cookieLine } from '../../engine/http1/request-heads.ts';
import type { Route } from '../../scenarios/schema.ts';
import { startScriptServer, type Handler } from '../helpers/script-server.ts';

/** The engine's HTTP/1.1 client against real servers on port 0: Node's http, and raw sockets for what Node's server never sends. */

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function httpServer(handler: Handler) {
  const server = await startScriptServer(handler);
  const sockets = new Set<net.Socket>();
  server.server.on('connection', (s) => sockets.add(s));
  closers.push(() => server.close());
  return Object.assign(server, { sockets });
}

/** A raw TCP server: `onRequest` answers each request's bytes on the socket as it likes. */
async function rawServer(onRequest: (socket: net.Socket, request: string, n: number) => void) {
  const sockets = new Set<net.Socket>();
  let n = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4;
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end);
        onRequest(socket, request, n++);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

function client(url: string, options: { connections?: number; timeoutMs?: number; sweepMs?: number } = {}) {
  const c = new Http1Client({ origin: new URL(url), connections: options.connections ?? 4, timeoutMs: options.timeoutMs ?? 5000, sweepMs: options.sweepMs });
  closers.push(() => c.close());
  return c;
}

/** One request; checks `done` comes once and never from inside request(). */
function get(c: Http1Client, path = '/', method = 'GET', extra = ''): Promise<{ status: number; failure: Failure | null }> {
  return new Promise((resolve, reject) => {
    let calls = 0;
    let inside = true;
    c.request(`${method} ${path} HTTP/1.1\r\nhost: x\r\n${extra}\r\n`, method === 'HEAD', (status, failure) => {
      calls += 1;
      if (inside) reject(new Error('done called synchronously'));
      if (calls > 1) reject(new Error('done called twice'));
      setTimeout(() => resolve({ status, failure }), 5);
    });
    inside = false;
  });
}

const route = (r: Partial<Route>): Route => ({ name: 'r', method: 'GET', path: '/', weight: 1, auth: 'none', headers: {}, ...r }) as Route;

describe('HTTP/1.1 client', () => {
  it('keeps one connection alive across sequential requests', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200).end('ok'));
    const c = client(server.url);
    for (let i = 0; i < 50; i += 1) expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(server.requests).toBe(50);
    expect(server.sockets.size).toBe(1);
  });

  it('reads chunked, fixed-length, empty and HEAD answers, and reuses the connection after each', async () => {
    const server = await httpServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200);
        res.write('a'.repeat(5000));
        setTimeout(() => res.end('b'.repeat(70_000)), 5);
      } else if (req.url === '/none') res.writeHead(204).end();
      else if (req.url === '/missing') res.writeHead(404, { 'content-length': 9 }).end('not found');
      else res.writeHead(200, { 'content-length': 100_000 }).end(req.method === 'HEAD' ? undefined : 'x'.repeat(100_000));
    });
    const c = client(server.url);
    expect(await get(c, '/chunked')).toEqual({ status: 200, failure: null });
    expect(await get(c, '/none')).toEqual({ status: 204, failure: null });
    expect(await get(c, '/missing')).toEqual({ status: 404, failure: null });
    expect(await get(c, '/big', 'HEAD')).toEqual({ status: 200, failure: null });
    expect(await get(c, '/big')).toEqual({ status: 200, failure: null });
    expect(server.sockets.size).toBe(1);
  });

  it('queues requests beyond its connections and answers them all', async () => {
    let open = 0;
    let most = 0;
    const server = await httpServer((_req, res) => {
      open += 1;
      most = Math.max(most, open);
      setTimeout(() => (open -= 1, res.writeHead(200).end()), 30);
    });
    const c = client(server.url, { connections: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(c)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(most).toBe(2);
    expect(server.sockets.size).toBe(2);
  });

  it('opens a new connection after `connection: close`, and after a close-delimited body', async () => {
    const raw = await rawServer((socket, _request, n) => {
      if (n % 2 === 0) socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok');
      else socket.end('HTTP/1.1 201 Created\r\n\r\nbody until the server closes');
    });
    const c = client(raw.url);
    expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(await get(c)).toEqual({ status: 201, failure: null });
    expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(raw.sockets.size).toBe(3);
  });

  it("stops reusing a connection before the server's Keep-Alive timeout", async () => {
    const server = await httpServer((_req, res) => res.writeHead(200).end());
    server.server.keepAliveTimeout = 2000; // announced as "keep-alive: timeout=2": reuse stops after 1 s idle
    const c = client(server.url);
    await get(c);
    await get(c);
    expect(server.sockets.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(server.sockets.size).toBe(2);
  });

  it('a connection the server closed while idle is not used again', async () => {
    const raw = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      setTimeout(() => socket.end(), 20);
    });
    const c = client(raw.url);
    expect(await get(c)).toEqual({ status: 200, failure: null });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(raw.sockets.size).toBe(2);
  });

  it('times out a hanging request and closes its connection', async () => {
    let closed = false;
    const server = await httpServer((req) => req.socket.on('close', () => (closed = true)));
    const c = client(server.url, { timeoutMs: 300 });
    const started = performance.now();
    expect(await get(c)).toEqual({ status: 0, failure: 'timeout' });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(300 + 1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('a request that waited its whole timeout for a connection fails without being sent', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.writeHead(200).end(), 600));
    const c = client(server.url, { connections: 1, timeoutMs: 1000 });
    // The first is answered at 600 ms; the second leaves then and runs out of time at 1 s;
    // the third never gets the connection in time, so the server must never see it.
    const answers = await Promise.all([get(c), get(c), get(c)]);
    expect(answers.map((a) => a.failure ?? a.status)).toEqual([200, 'timeout', 'timeout']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toBe(2);
  });

  it('an answer after the timeout is a timeout even before the sweep sees it, and the request behind it is never sent', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.writeHead(200).end(), 700));
    // No sweep runs during the test, so nothing but the answer's own lateness can make the
    // first a timeout, and nothing but its expiry in the queue can keep the second unsent.
    const c = client(server.url, { connections: 1, timeoutMs: 500, sweepMs: 60_000 });
    const [first, behind] = await Promise.all([get(c), get(c)]);
    expect(first).toEqual({ status: 0, failure: 'timeout' });
    expect(behind).toEqual({ status: 0, failure: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toBe(1);
  });

  it('says refused when nothing listens', async () => {
    const free = net.createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const c = client(`http://127.0.0.1:${port}`);
    expect(await get(c)).toEqual({ status: 0, failure: 'refused' });
  });

  it('says reset when the server drops the connection mid-answer', async () => {
    const raw = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      setTimeout(() => socket.destroy(), 10);
    });
    expect(await get(client(raw.url))).toEqual({ status: 0, failure: 'reset' });
  });

  it('says other for an answer that is not HTTP, and recovers on a new connection', async () => {
    const raw = await rawServer((socket, _request, n) => {
      if (n === 0) socket.write('<html>502 Bad Gateway</html>\r\n\r\n');
      else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
    const c = client(raw.url);
    expect(await get(c)).toEqual({ status: 0, failure: 'other' });
    expect(await get(c)).toEqual({ status: 200, failure: null });
  });

  it('an answer followed by bytes nobody asked for counts, and its connection is dropped', async () => {
    const raw = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
    const c = client(raw.url);
    expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(await get(c)).toEqual({ status: 200, failure: null });
    expect(raw.sockets.size).toBe(2);
  });

  it('after close(), pending and new requests fail once each', async () => {
    const server = await httpServer(() => {});
    const c = client(server.url, { connections: 1 });
    const pending = [get(c), get(c)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    c.close();
    expect(await Promise.all(pending)).toEqual([{ status: 0, failure: 'other' }, { status: 0, failure: 'other' }]);
    expect(await get(c)).toEqual({ status: 0, failure: 'other' });
  });

  it("sends each route's method, path, headers, cookie, cron secret and body as written", async () => {
    const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
    const server = await httpServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(202).end();
      });
    });
    const heads = new RequestHeads(
      [
        route({ path: '/api/admin/jobs?limit=25&offset=0', auth: 'session' }),
        route({ method: 'POST', path: '/api/admin/campaigns/send', auth: 'session', headers: { 'content-type': 'application/json' }, body: { campaign: 'é', n: 3 } }),
        route({ method: 'POST', path: '/api/cron/jobs', auth: 'cron' }),
      ],
      new URL(`${server.url}/base/`),
      'cron-secret-value',
    );
    const c = client(server.url);
    const send = (i: number, path: string) =>
      new Promise<number>((resolve) => c.request(heads.build(i, path, cookieLine('sb-ref-auth-token=abc')), heads.noBody(i), (status) => resolve(status)));
    expect(await send(0, '/api/admin/jobs?limit=25&offset=50')).toBe(202);
    expect(await send(1, '/api/admin/campaigns/send')).toBe(202);
    expect(await send(2, '/api/cron/jobs')).toBe(202);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/base/api/admin/jobs?limit=25&offset=50', headers: { cookie: 'sb-ref-auth-token=abc', host: new URL(server.url).host } });
    expect(seen[0]!.headers['user-agent']).toMatch(/^drill\//);
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[1]).toMatchObject({ method: 'POST', body: '{"campaign":"é","n":3}', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"campaign":"é","n":3}')) } });
    expect(seen[2]).toMatchObject({ method: 'POST', body: '', headers: { authorization: 'Bearer cron-secret-value', 'content-length': '0' } });
    expect(seen[2]!.headers.cookie).toBeUndefined();
  });

  it("the user's cookie and the cron secret replace a route's own cookie and authorization headers", async () => {
    const seen: string[][] = [];
    const server = await httpServer((req, res) => {
      const names: string[] = req.rawHeaders.filter((_h, i) => i % 2 === 0).map((h) => h.toLowerCase()).filter((h) => h === 'cookie' || h === 'authorization');
      seen.push([...names, req.headers.cookie ?? '', req.headers.authorization ?? '']);
      res.writeHead(200).end();
    });
    const heads = new RequestHeads(
      [route({ auth: 'session', headers: { Cookie: 'route-cookie=1' } }), route({ auth: 'cron', headers: { Authorization: 'Basic route' } })],
      new URL(server.url),
      'cron-secret-value',
    );
    const c = client(server.url);
    const send = (i: number, cookie: string) => new Promise<void>((resolve) => c.request(heads.build(i, '/', cookieLine(cookie)), false, () => resolve()));
    await send(0, 'sb-ref-auth-token=user');
    await send(0, '');
    await send(1, '');
    expect(seen).toEqual([
      ['cookie', 'sb-ref-auth-token=user', ''],
      ['cookie', 'route-cookie=1', ''],
      ['authorization', '', 'Bearer cron-secret-value'],
    ]);
  });

  it('refuses a cron secret with a line break rather than split the request', () => {
    expect(() => new RequestHeads([route({ auth: 'cron' })], new URL('http://127.0.0.1:1'), 'secret\r\nx-injected: 1')).toThrow(/line break/);
  });
});
