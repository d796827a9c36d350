import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { RoutePicker } from '../scenarios/route-picker.ts';
import { thinkTimeSampler } from '../scenarios/think-time.ts';
import { ERROR_CODES, type Batch, type ErrorCode, type ToWorker, type WorkerInit } from './protocol.ts';

/**
 * A load worker thread. Paced mode runs virtual users: each keeps its own session
 * cookie, sends one request, waits for the answer, thinks, repeats (a closed loop per
 * user, the way people use an admin app). Arrival mode sends requests at a fixed rate
 * whatever the answers do (an open model). Latency counts from each request's intended
 * send time, so a stalled target or a late generator cannot hide delay (coordinated omission).
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const origin = new URL(init.target).origin;
const basePath = new URL(init.target).pathname.replace(/\/$/, '');
const pool = new Pool(origin, { connections: init.connections, pipelining: 1, keepAliveTimeout: 10_000 });
const picker = new RoutePicker(init.routes, init.offsets);
const think = thinkTimeSampler(init.thinkTime);
const errorIndex = new Map<ErrorCode, number>(ERROR_CODES.map((code, i) => [code, i]));

// --- recording -------------------------------------------------------------------------
let cap = 1024;
let n = 0;
let cols = alloc(cap);
let dropped = 0;
let inFlight = 0;
let lastElu = performance.eventLoopUtilization();

function alloc(size: number) {
  return {
    route: new Uint16Array(size),
    status: new Uint16Array(size),
    error: new Uint8Array(size),
    latencyUs: new Float64Array(size),
    lagUs: new Float64Array(size),
    endMs: new Float64Array(size),
  };
}

function record(route: number, status: number, error: ErrorCode, latencyUs: number, lagUs: number): void {
  if (n === cap) {
    const bigger = alloc((cap *= 2));
    for (const key of Object.keys(cols) as (keyof typeof cols)[]) (bigger[key] as Float64Array).set(cols[key] as Float64Array);
    cols = bigger;
  }
  cols.route[n] = route;
  cols.status[n] = status;
  cols.error[n] = errorIndex.get(error)!;
  cols.latencyUs[n] = latencyUs;
  cols.lagUs[n] = lagUs;
  cols.endMs[n] = Date.now();
  n += 1;
}

function flush(): void {
  const elu = performance.eventLoopUtilization(lastElu);
  lastElu = performance.eventLoopUtilization();
  const batch: Batch = {
    type: 'batch',
    route: cols.route.slice(0, n),
    status: cols.status.slice(0, n),
    error: cols.error.slice(0, n),
    latencyUs: cols.latencyUs.slice(0, n),
    lagUs: cols.lagUs.slice(0, n),
    endMs: cols.endMs.slice(0, n),
    count: n,
    activeVus: vus.length,
    inFlight,
    dropped,
    elu: elu.utilization,
  };
  n = 0;
  dropped = 0;
  const buffers = [batch.route, batch.status, batch.error, batch.latencyUs, batch.lagUs, batch.endMs].map((a) => a.buffer as ArrayBuffer);
  port.postMessage(batch, buffers);
}

// --- one request -------------------------------------------------------------------------
async function send(routeIndex: number, cookie: string | null, intendedAt: number): Promise<void> {
  const route = init.routes[routeIndex]!;
  const headers: Record<string, string> = { ...route.headers };
  if (route.auth === 'session' && cookie) headers.cookie = cookie;
  if (route.auth === 'cron' && init.cronSecret) headers.authorization = `Bearer ${init.cronSecret}`;
  const body = route.body === undefined ? undefined : JSON.stringify(route.body);
  const startedAt = performance.now();
  let status = 0;
  let error: ErrorCode = 'none';
  inFlight += 1;
  try {
    status = await dispatch(route.method, basePath + picker.pathFor(routeIndex), headers, body);
  } catch (e) {
    error = classify(e);
  } finally {
    inFlight -= 1;
  }
  const endedAt = performance.now();
  record(routeIndex, status, error, (endedAt - intendedAt) * 1000, Math.max(0, startedAt - intendedAt) * 1000);
}

/**
 * undici's dispatch API, answered into a status code; the body is read and dropped.
 * It costs about a quarter less CPU per request than request() with body.dump(), which
 * matters when one worker thread has to keep up with a fast target.
 */
function dispatch(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    pool.dispatch(
      { origin, path, method: method as 'GET', headers, body, headersTimeout: init.timeoutMs, bodyTimeout: init.timeoutMs },
      {
        onConnect() {},
        onHeaders(statusCode: number) {
          status = statusCode;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          resolve(status);
        },
        onError(err: Error) {
          reject(err);
        },
      } as unknown as Parameters<Pool['dispatch']>[1],
    );
  });
}

function classify(e: unknown): ErrorCode {
  const code = (e as { code?: string }).code ?? '';
  if (code.includes('TIMEOUT')) return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  return 'other';
}

const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));

// --- paced virtual users -----------------------------------------------------------------
interface Vu {
  stopped: boolean;
}
const vus: Vu[] = [];
let vuSerial = 0;

function cookieFor(globalIndex: number): string | null {
  return init.cookies.length ? init.cookies[globalIndex % init.cookies.length]! : null;
}

async function runVu(vu: Vu, globalIndex: number): Promise<void> {
  const cookie = cookieFor(globalIndex);
  // The first request waits one think time too: for exponential pauses that is exactly the
  // steady state (memoryless), so the rate is flat from the start instead of a burst.
  let intended = performance.now() + (init.thinkTime.distribution === 'exponential' ? think() : Math.random() * init.thinkTime.mean);
  while (!vu.stopped) {
    // No timer when the request is already due: a 0 ms timer still costs a loop turn (~1 ms).
    if (intended > performance.now()) await sleepUntil(intended);
    if (vu.stopped) break;
    await send(picker.next(), cookie, intended);
    intended = performance.now() + think();
  }
}

function setVus(count: number): void {
  while (vus.length < count) {
    const vu = { stopped: false };
    vus.push(vu);
    // Global index interleaves workers so every cookie in the pool gets a user.
    void runVu(vu, init.workerIndex + init.workerCount * vuSerial++);
  }
  while (vus.length > count) vus.pop()!.stopped = true;
}

// --- arrival rate --------------------------------------------------------------------------
let ratePerSecond = 0;
let arrivalTimer: NodeJS.Timeout | null = null;
let nextArrival = 0;
let arrivalSerial = 0;
const pending = new Set<Promise<void>>();

function setRate(perSecond: number): void {
  ratePerSecond = perSecond;
  if (perSecond > 0 && !arrivalTimer) {
    nextArrival = performance.now();
    arrivalTick();
  }
}

function arrivalTick(): void {
  arrivalTimer = null;
  if (ratePerSecond <= 0 || stopping) return;
  const now = performance.now();
  const gap = 1000 / ratePerSecond;
  // Fire every arrival that is due; each is timed from when it was due, not when it left.
  while (nextArrival <= now) {
    if (inFlight >= init.maxInFlight) dropped += 1;
    else {
      const p = send(picker.next(), cookieFor(arrivalSerial++), nextArrival);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    nextArrival += gap;
  }
  arrivalTimer = setTimeout(arrivalTick, Math.max(0, Math.min(nextArrival - performance.now(), 50)));
}

// --- control -------------------------------------------------------------------------------
let stopping = false;
const flusher = setInterval(flush, init.flushMs);
port.postMessage({ type: 'ready' });

port.on('message', async (message: ToWorker) => {
  if (message.type === 'vus') setVus(message.count);
  else if (message.type === 'rate') setRate(message.perSecond);
  else if (message.type === 'stop') {
    stopping = true;
    setVus(0);
    if (arrivalTimer) clearTimeout(arrivalTimer);
    // Let requests in flight finish (each bounded by the timeout), then report them.
    const deadline = performance.now() + init.timeoutMs + 100;
    while ((inFlight > 0 || pending.size > 0) && performance.now() < deadline) await sleepUntil(performance.now() + 10);
    clearInterval(flusher);
    flush();
    await pool.close().catch(() => {});
    port.postMessage({ type: 'stopped' });
  }
});
