import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Http1Client, type Failure } from './http1/client.ts';
import { RequestHeads, cookieLine } from './http1/request-heads.ts';
import { EARLY_MS, lagUs, latencyUs } from './timing.ts';
import { RoutePicker } from '../scenarios/route-picker.ts';
import { seededRandom, thinkTimeSampler } from '../scenarios/think-time.ts';
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
// Live A/B: the candidate's own connections and request heads (its Host header).
const candidateTarget = init.candidateTarget ? new URL(init.candidateTarget) : null;
const arms = [
  { client, heads },
  ...(candidateTarget
    ? [{ client: new Http1Client({ origin: candidateTarget, connections: init.connections, timeoutMs: init.timeoutMs }), heads: new RequestHeads(init.routes, candidateTarget, init.cronSecret) }]
    : []),
];
const ROUTES = init.routes.length;
const picker = new RoutePicker(init.routes, init.offsets);
// Live A/B twins seed their own generators from this worker's seed and their pair's number.
const twinSeed = Math.floor(Math.random() * 2 ** 31);
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
function send(routeIndex: number, cookie: string, intendedAt: number, then: ((vu: Vu) => void) | null, vu: Vu | null, arm = 0, path = picker.pathFor(routeIndex)): void {
  const startedAt = performance.now();
  const { client, heads } = arms[arm]!;
  inFlight += 1;
  client.request(heads.build(routeIndex, path, cookie), heads.noBody(routeIndex), (status, failure) => {
    inFlight -= 1;
    const endedAt = performance.now();
    record(routeIndex + arm * ROUTES, status, failure ? errorIndex[failure] : NONE, latencyUs(intendedAt, startedAt, endedAt), lagUs(intendedAt, startedAt));
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
  /** 0, or 1 for a live A/B twin loading the candidate. */
  arm: number;
  /** Its session's place in the pool: a refreshed session reaches the user on its next request. */
  cookieIndex: number;
  intended: number;
  timer: NodeJS.Timeout | null;
  /** Its own draws (pauses, routes, pages); a live A/B twin pair shares the seed, so both draw alike. */
  random: () => number;
  think: () => number;
}
const vus: Vu[] = [];
let vuSerial = 0;
let cookieLines = init.cookies.map(cookieLine);

function cookieFor(globalIndex: number): string {
  return cookieLines.length ? cookieLines[globalIndex % cookieLines.length]! : '';
}

function step(vu: Vu): void {
  vu.timer = null;
  if (vu.stopped) return;
  const wait = vu.intended - performance.now();
  // No timer when the request is already due: even a 0 ms timer costs a loop turn (~1 ms).
  if (wait > EARLY_MS) vu.timer = setTimeout(step, wait - EARLY_MS, vu);
  else {
    const route = picker.next(vu.random);
    send(route, cookieFor(vu.cookieIndex), vu.intended, answered, vu, vu.arm, picker.pathFor(route, vu.random));
  }
}

function answered(vu: Vu): void {
  vu.intended = performance.now() + vu.think();
  step(vu);
}

function setVus(count: number): void {
  // Live A/B: `count` users per arm, each twin pair sharing one session.
  const target = count * arms.length;
  while (vus.length < target) {
    // Global index interleaves workers so every cookie in the pool gets a user.
    const cookieIndex = init.workerIndex + init.workerCount * Math.floor(vuSerial / arms.length);
    const arm = vuSerial % arms.length;
    const random = seededRandom(twinSeed + Math.floor(vuSerial / arms.length) * 0x9e3779b1);
    const userThink = thinkTimeSampler(init.thinkTime, random);
    vuSerial += 1;
    // The first request waits one think time too: for exponential pauses that is exactly the
    // steady state (memoryless), so the rate is flat from the start instead of a burst.
    const first = init.thinkTime.distribution === 'exponential' ? userThink() : random() * init.thinkTime.mean;
    const vu: Vu = { stopped: false, arm, cookieIndex, intended: performance.now() + first, timer: null, random, think: userThink };
    vus.push(vu);
    step(vu);
  }
  while (vus.length > target) {
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
    else {
      const serial = arrivalSerial++;
      // Live A/B: each arrival goes to both arms, the same route and page on each.
      const route = picker.next();
      const path = picker.pathFor(route);
      for (let arm = 0; arm < arms.length; arm += 1) send(route, cookieFor(serial), nextArrival, null, null, arm, path);
    }
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
  else if (message.type === 'cookies') cookieLines = message.cookies.map(cookieLine);
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
    for (const arm of arms) arm.client.close('timeout');
    flush();
    port.postMessage({ type: 'stopped' });
  }
});
