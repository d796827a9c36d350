import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { CannotRunError } from '../../core/errors.ts';
import { fromObject, parseLogLine, type ParsedLine } from './parse.ts';

/** Longer lines are cut and counted unreadable: one runaway line must not exhaust memory. */
export const MAX_LINE_BYTES = 64 * 1024;
const MAX_DRAIN_BODY = 5 * 1024 * 1024;

/** Splits a byte stream into lines with a length cap; the remainder of a cut line is skipped. */
export class LineSplitter {
  private buffer = '';
  private skipping = false;
  constructor(private readonly onLine: (line: string, cut: boolean) => void) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.take(chunk.slice(start, nl), true);
      start = nl + 1;
    }
    this.take(chunk.slice(start), false);
  }

  end(): void {
    if (this.buffer || this.skipping) this.onLine(this.buffer, this.skipping);
    this.buffer = '';
    this.skipping = false;
  }

  private take(part: string, complete: boolean): void {
    if (!this.skipping) {
      this.buffer += part;
      if (this.buffer.length > MAX_LINE_BYTES) {
        this.buffer = '';
        this.skipping = true;
      }
    }
    if (complete) {
      this.onLine(this.buffer, this.skipping);
      this.buffer = '';
      this.skipping = false;
    }
  }
}

function lineHandler(onLine: (parsed: ParsedLine) => void, now: () => number) {
  return (line: string, cut: boolean) => onLine(cut ? { ok: false, reason: 'not-json' } : parseLogLine(line, now()));
}

/** Reads a stream (a file or stdin) line by line, to its end or until `signal` aborts. */
export function readLogStream(stream: Readable, onLine: (parsed: ParsedLine) => void, now = Date.now, signal?: AbortSignal): Promise<void> {
  const splitter = new LineSplitter(lineHandler(onLine, now));
  stream.setEncoding('utf8');
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      signal?.removeEventListener('abort', finish);
      // A followed pipe (kubectl logs -f | drill …) never ends by itself: stop reading it.
      if (signal?.aborted) stream.pause();
      splitter.end();
      resolve();
    };
    const onData = (chunk: string) => splitter.push(chunk);
    stream.on('data', onData);
    stream.once('end', finish);
    stream.once('error', finish);
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/**
 * Follows a log file that the app is still writing (like `tail -f`), from its start,
 * until `signal` aborts. Polls for growth: fs.watch is unreliable across filesystems.
 */
export async function followLogFile(file: string, onLine: (parsed: ParsedLine) => void, signal: AbortSignal, pollMs = 250, now = Date.now): Promise<void> {
  const splitter = new LineSplitter(lineHandler(onLine, now));
  let offset = 0;
  while (!signal.aborted) {
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      size = 0; // not created yet
    }
    if (size < offset) offset = 0; // truncated or rotated: start over
    if (size > offset) {
      const stream = createReadStream(file, { start: offset, end: size - 1, encoding: 'utf8' });
      for await (const chunk of stream) splitter.push(chunk as string);
      offset = size;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  // One last read so lines written just before the stop are counted.
  try {
    const size = statSync(file).size;
    if (size > offset) for await (const chunk of createReadStream(file, { start: offset, end: size - 1, encoding: 'utf8' })) splitter.push(chunk as string);
  } catch {
    // the file went away: what was read stands
  }
  splitter.end();
}

export interface LogDrain {
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP endpoint that hosting log drains POST to: NDJSON bodies or JSON arrays, each
 * entry either a log object or a drain envelope whose `message` is the app's JSON line.
 */
export async function startLogDrain(port: number, onLine: (parsed: ParsedLine) => void, host = '127.0.0.1', now = Date.now): Promise<LogDrain> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405).end();
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_DRAIN_BODY) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text.startsWith('[')) {
        try {
          const entries: unknown = JSON.parse(text);
          for (const entry of entries as unknown[]) onLine(fromObject(entry, now()));
        } catch {
          onLine({ ok: false, reason: 'not-json' });
        }
      } else {
        const splitter = new LineSplitter(lineHandler(onLine, now));
        splitter.push(text);
        splitter.end();
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CannotRunError(`--log-drain: cannot listen on ${host}:${port} (${error.code ?? error.message}); pick another port or 0`, 'E_LOG_DRAIN')),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
