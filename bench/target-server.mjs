// A fast local target for benchmarks: answers every request with 200 "ok", or with a
// fixed delay (DELAY_MS), or with a stall of STALL_MS every STALL_EVERY_MS. Loopback only.
// GET /__applied answers the delays it actually applied (p50, p99 in ms), so the bench can
// tell the target's own lateness from the harness's.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';

const delay = Number(process.env.DELAY_MS ?? 0);
const stall = Number(process.env.STALL_MS ?? 0);
const every = Number(process.env.STALL_EVERY_MS ?? 10_000);
const started = Date.now();
const applied = [];

/**
 * Waits `ms` precisely: a timer can fire a millisecond or more late, so it is set a
 * millisecond short and the rest is waited out on the event loop (a few percent of a core
 * at the bench's rates, spent in the target, not in the harness being measured).
 */
function waitPrecisely(ms, then) {
  const due = performance.now() + ms;
  const spin = () => (performance.now() >= due ? then() : setImmediate(spin));
  if (ms > 2) setTimeout(spin, ms - 1.5);
  else spin();
}

const server = http.createServer((req, res) => {
  if (req.url === '/__applied') {
    const sorted = applied.slice().sort((a, b) => a - b);
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: sorted.length, p50: at(0.5), p99: at(0.99) }));
    return;
  }
  const arrived = performance.now();
  let wait = delay;
  if (stall > 0) {
    const phase = (Date.now() - started) % every;
    if (phase < stall) wait += stall - phase;
  }
  const send = () => {
    if (wait > 0 && applied.length < 1_000_000) applied.push(performance.now() - arrived);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end('ok');
  };
  if (wait > 0) waitPrecisely(wait, send);
  else send();
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
