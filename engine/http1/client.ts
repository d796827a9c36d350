import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ResponseParser } from './response-parser.ts';

/** How a request ended when it got no answer. */
export type Failure = 'timeout' | 'refused' | 'reset' | 'other';

/** Called once per request: the status, or 0 and why there was none. */
export type Done = (status: number, failure: Failure | null) => void;

export interface Http1ClientOptions {
  /** http: or https: origin; https is verified against the system CAs (and NODE_EXTRA_CA_CERTS). */
  origin: URL;
  /** Most connections open at once; requests beyond them wait in order. */
  connections: number;
  /** A request (waiting for a connection included) that takes longer fails as 'timeout'. */
  timeoutMs: number;
  /** How often to look for timed-out requests (default: a tenth of the timeout, 10 to 250 ms). */
  sweepMs?: number;
}

/** Idle time after which a connection is closed rather than reused, when the server gave no hint (undici's default). */
const DEFAULT_IDLE_MS = 4000;
/** Reuse stops this long before the server's own Keep-Alive timeout, so a request never races its close. */
const HINT_MARGIN_MS = 1000;

interface Waiting {
  head: string;
  noBody: boolean;
  done: Done;
  since: number;
}

/**
 * A keep-alive HTTP/1.1 connection pool on raw sockets, one request per connection at a
 * time (no pipelining: that is how browsers and CE Pro's users talk). It exists because the
 * engine's ceiling is CPU per request: no per-request promises, header objects or timers,
 * and reads land in one shared buffer instead of a new Buffer each.
 */
export class Http1Client {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** How often timeouts are looked for: a timeout is noticed at most this late. */
  readonly sweepMs: number;
  /** Reads of plain sockets land here and are parsed before the next read. */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly options: Http1ClientOptions) {
    // One sweep instead of a timer per request: it costs nothing while requests are quick.
    // A hung request is closed at most a sweep late (a tenth of the timeout, at most 250 ms);
    // an answer that arrives after the timeout but before the sweep still counts as a timeout.
    this.sweepMs = options.sweepMs ?? Math.max(10, Math.min(250, options.timeoutMs / 10));
    this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
    this.sweeper.unref();
  }

  /**
   * Sends one request: `head` is the whole request (request line, headers, blank line and
   * body). `done` is always called later, never from inside this call.
   */
  request(head: string, noBody: boolean, done: Done): void {
    if (this.closed) {
      queueMicrotask(() => done(0, 'other'));
      return;
    }
    const now = performance.now();
    const connection = this.takeIdle(now);
    if (connection) connection.send(head, noBody, done, now);
    else if (this.open.size < this.options.connections) new Connection(this).send(head, noBody, done, now);
    else this.waiting.push({ head, noBody, done, since: now });
  }

  /** Closes every connection; requests still pending fail with `failure`. */
  close(failure: Failure = 'other'): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const c of [...this.open]) c.destroy(failure);
    for (let next = this.nextWaiting(); next; next = this.nextWaiting()) next.done(0, failure);
  }

  // --- for Connection ------------------------------------------------------------------
  /** @internal */ added(c: Connection): void {
    this.open.add(c);
  }

  /** @internal A connection finished a request and can take the next one. */
  released(c: Connection): void {
    const next = this.nextLive();
    if (next) c.send(next.head, next.noBody, next.done, next.since);
    else {
      c.idleSince = performance.now();
      this.idle.push(c);
    }
  }

  /** @internal A connection is gone; a waiting request gets a fresh one. */
  removed(c: Connection): void {
    this.open.delete(c);
    const at = this.idle.indexOf(c);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.closed) return;
    const next = this.nextLive();
    if (next) new Connection(this).send(next.head, next.noBody, next.done, next.since);
  }

  /**
   * The oldest waiting request still inside its timeout. Those past it fail without being
   * sent (a microtask later, so no caller's callback runs inside another's).
   */
  private nextLive(): Waiting | undefined {
    const now = performance.now();
    let next = this.nextWaiting();
    while (next && now - next.since > this.options.timeoutMs) {
      const expired = next;
      queueMicrotask(() => expired.done(0, 'timeout'));
      next = this.nextWaiting();
    }
    return next;
  }

  private takeIdle(now: number): Connection | undefined {
    // Most recently used first: it is the least likely to have been closed by the server.
    let c = this.idle.pop();
    while (c && now - c.idleSince > c.idleLimitMs) {
      c.destroy(null);
      c = this.idle.pop();
    }
    return c;
  }

  private nextWaiting(): Waiting | undefined {
    if (this.waitingHead === this.waiting.length) return undefined;
    const next = this.waiting[this.waitingHead]!;
    this.waiting[this.waitingHead] = undefined as unknown as Waiting;
    this.waitingHead += 1;
    // Compact now and then so the array does not grow without bound.
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    return next;
  }

  private sweep(): void {
    const now = performance.now();
    const limit = this.options.timeoutMs;
    // Waiting requests need no check here: every busy connection holds a request older than
    // any waiting one (the queue is served oldest first), so busy ones time out first, and
    // the connection each hands on goes to the oldest waiting request still in time.
    for (const c of this.open) if (c.done && now - c.since > limit) c.destroy('timeout');
    for (const c of [...this.idle]) if (now - c.idleSince > c.idleLimitMs) c.destroy(null);
  }
}

/** One socket and the request on it. */
class Connection {
  done: Done | null = null;
  since = 0;
  idleSince = 0;
  idleLimitMs = DEFAULT_IDLE_MS;
  private readonly socket: net.Socket;
  private readonly parser = new ResponseParser();
  private connected = false;
  private gone = false;
  private queued: string | null = null;

  constructor(private readonly client: Http1Client) {
    const { origin } = client.options;
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const port = Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80);
    if (origin.protocol === 'https:') {
      this.socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] });
      this.socket.on('secureConnect', () => this.onConnect());
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk, chunk.length));
    } else {
      this.socket = net.connect({
        host,
        port,
        onread: {
          buffer: client.readBuffer,
          callback: (n: number, buf: Uint8Array) => {
            this.onData(buf as Buffer, n);
            return true;
          },
        },
      });
      this.socket.on('connect', () => this.onConnect());
    }
    this.socket.setNoDelay(true);
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.destroy(classify(error)));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.destroy('reset'));
    client.added(this);
  }

  send(head: string, noBody: boolean, done: Done, since: number): void {
    this.done = done;
    this.since = since;
    this.parser.reset(noBody);
    if (this.connected) this.socket.write(head);
    else this.queued = head;
  }

  /** Ends the connection; the request on it, if any, fails with `failure` (null: none expected). */
  destroy(failure: Failure | null): void {
    if (this.gone) return;
    this.gone = true;
    this.socket.destroy();
    const done = this.done;
    this.done = null;
    this.client.removed(this);
    if (done) done(0, failure ?? 'reset');
  }

  private onConnect(): void {
    this.connected = true;
    if (this.queued !== null) {
      this.socket.write(this.queued);
      this.queued = null;
    }
  }

  private onData(buf: Buffer, n: number): void {
    if (!this.done) {
      // Bytes nobody asked for: the connection is out of step, so it cannot be reused.
      this.destroy(null);
      return;
    }
    const result = this.parser.execute(buf, 0, n);
    if (result === 'more') return;
    if (result === 'error') {
      this.destroy('other');
      return;
    }
    // Bytes after a complete answer that nobody asked for: the answer counts, the
    // connection is out of step and is not reused.
    this.complete(this.parser.consumed === n);
  }

  private onEnd(): void {
    if (this.done && this.parser.readsUntilClose && this.parser.finish() === 'done') {
      this.complete(false);
      return;
    }
    this.destroy('reset');
  }

  private complete(reusable: boolean): void {
    const done = this.done!;
    const { status, keepAlive, keepAliveHintMs } = this.parser;
    const late = performance.now() - this.since > this.client.options.timeoutMs;
    this.done = null;
    if (keepAliveHintMs > 0) this.idleLimitMs = Math.max(0, keepAliveHintMs - HINT_MARGIN_MS);
    if (reusable && keepAlive && !this.gone) this.client.released(this);
    else this.destroy(null);
    if (late) done(0, 'timeout');
    else done(status, null);
  }
}

function classify(error: NodeJS.ErrnoException): Failure {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code.includes('TIMEDOUT')) return 'timeout';
  return 'other';
}
