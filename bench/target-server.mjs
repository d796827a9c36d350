// A fast local target for benchmarks: answers every request with 200 "ok", or with a
// fixed delay (DELAY_MS), or with a stall of STALL_MS every STALL_EVERY_MS. Loopback only.
import http from 'node:http';

const delay = Number(process.env.DELAY_MS ?? 0);
const stall = Number(process.env.STALL_MS ?? 0);
const every = Number(process.env.STALL_EVERY_MS ?? 10_000);
const started = Date.now();
const server = http.createServer((req, res) => {
  let wait = delay;
  if (stall > 0) {
    const phase = (Date.now() - started) % every;
    if (phase < stall) wait += stall - phase;
  }
  const send = () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end('ok');
  if (wait > 0) setTimeout(send, wait);
  else send();
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
