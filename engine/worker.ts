import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Http1Client, type Failure } from './http1/client.ts';
import { RequestHeads, cookieLine } from './http1/request-heads.ts';
import { EARLY_MS, lagUs, latencyUs } from './timing.ts';
import { RoutePicker } from '../scenarios/route-picker.ts';
import { thinkTimeSampler } from '../scenarios/think-time.ts';
import { ERROR_CODES, type Batch, type ToWorker, type WorkerInit } from './protocol.ts';

/**
 * A load worker thread. Paced mode runs virtual users: each keeps its own session
 * cookie, sends one request, waits for the answer, thinks, repeats (a closed loop per
 * user, the way people use an admin app). Arrival mode sends requests at a fixed rate
 * whatever the answers do (an open model). Latency counts from each request's intended
 * send time, so a stalled target or a late generator cannot hide delay (coordinated omission).
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const target = new URL(init.target);
const client = new Http1Client({ origin: target, connections: init.connections, timeoutMs: init.timeoutMs });
const heads = new RequestHeads(init.routes, target, init.cronSecret);
const picker = new RoutePicker(init.routes, init.offsets);
const think = thinkTimeSampler(init.thinkTime);
const NONE = 0;
const errorIndex: Record<Failure, number> = { timeout: ERROR_CODES.indexOf('timeout'), refused: ERROR_CODES.indexOf('refused'), reset: ERROR_CODES.indexOf('reset'), other: ERROR_CODES.indexOf('other') };

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

function record(route: number, status: number, error: number, latency: number, lag: number): void {
  if (n === cap) {
    const bigger = alloc((cap *= 2));
    for (const key of Object.keys(cols) as (keyof typeof cols)[]) (bigger[key] as Float64Array).set(cols[key] as Float64Array);
    cols = bigger;
  }
  cols.route[n] = route;
  cols.status[n] = status;
  cols.error[n] = error;
  cols.latencyUs[n] = latency;
  cols.lagUs[n] = lag;
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
/**
 * Sends one request and records it when it ends; `then` runs after (a user's next step).
 * Latency and lag are counted as engine/timing.ts explains.
 */
function send(routeIndex: number, cookie: string, intendedAt: number, then: ((vu: Vu) => void) | null, vu: Vu | null): void {
  const startedAt = performance.now();
  inFlight += 1;
  client.request(heads.build(routeIndex, picker.pathFor(routeIndex), cookie), heads.noBody(routeIndex), (status, failure) => {
    inFlight -= 1;
    const endedAt = performance.now();
    record(routeIndex, status, failure ? errorIndex[failure] : NONE, latencyUs(intendedAt, startedAt, endedAt), lagUs(intendedAt, startedAt));
    if (then) then(vu!);
  });
}

// --- paced virtual users -----------------------------------------------------------------
/**
 * One user: request, wait for the answer, think, repeat. A state machine on callbacks and
 * one timer per pause rather than an async loop: no promise per request.
 */
interface Vu {
  stopped: boolean;
  cookie: string;
  intended: number;
  timer: NodeJS.Timeout | null;
}
const vus: Vu[] = [];
let vuSerial = 0;
const cookieLines = init.cookies.map(cookieLine);

function cookieFor(globalIndex: number): string {
  return cookieLines.length ? cookieLines[globalIndex % cookieLines.length]! : '';
}

function step(vu: Vu): void {
  vu.timer = null;
  if (vu.stopped) return;
  const wait = vu.intended - performance.now();
  // No timer when the request is already due: even a 0 ms timer costs a loop turn (~1 ms).
  if (wait > EARLY_MS) vu.timer = setTimeout(step, wait - EARLY_MS, vu);
  else send(picker.next(), vu.cookie, vu.intended, answered, vu);
}

function answered(vu: Vu): void {
  vu.intended = performance.now() + think();
  step(vu);
}

function setVus(count: number): void {
  while (vus.length < count) {
    // Global index interleaves workers so every cookie in the pool gets a user.
    const cookie = cookieFor(init.workerIndex + init.workerCount * vuSerial++);
    // The first request waits one think time too: for exponential pauses that is exactly the
    // steady state (memoryless), so the rate is flat from the start instead of a burst.
    const first = init.thinkTime.distribution === 'exponential' ? think() : Math.random() * init.thinkTime.mean;
    const vu: Vu = { stopped: false, cookie, intended: performance.now() + first, timer: null };
    vus.push(vu);
    step(vu);
  }
  while (vus.length > count) {
    const vu = vus.pop()!;
    vu.stopped = true;
    if (vu.timer) clearTimeout(vu.timer);
  }
}

// --- arrival rate --------------------------------------------------------------------------
let ratePerSecond = 0;
let arrivalTimer: NodeJS.Timeout | null = null;
let nextArrival = 0;
let arrivalSerial = 0;

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
  while (nextArrival <= now + EARLY_MS) {
    if (inFlight >= init.maxInFlight) dropped += 1;
    else send(picker.next(), cookieFor(arrivalSerial++), nextArrival, null, null);
    nextArrival += gap;
  }
  arrivalTimer = setTimeout(arrivalTick, Math.max(0, Math.min(nextArrival - EARLY_MS - performance.now(), 50)));
}

// --- control -------------------------------------------------------------------------------
const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
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
    // Let requests in flight finish: each ends by its timeout, which the client's sweep
    // notices up to one sweep late. Any still open after that are timeouts too, recorded
    // before the last flush so none is lost.
    const deadline = performance.now() + init.timeoutMs + client.sweepMs + 100;
    while (inFlight > 0 && performance.now() < deadline) await sleepUntil(performance.now() + 10);
    clearInterval(flusher);
    client.close('timeout');
    flush();
    port.postMessage({ type: 'stopped' });
  }
});
