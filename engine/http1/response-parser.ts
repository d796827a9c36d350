/**
 * An incremental HTTP/1.1 response parser for the load engine: it finds where each answer
 * ends and what its status is, and nothing else. Headers are not kept and bodies are
 * skipped, never copied.
 *
 * Why not a library: a parser that builds header objects costs more CPU per request than
 * the rest of the engine's JavaScript. On the same answers in memory, http-parser-js (what
 * autocannon uses) parses about a fifth as many per second (`npm run bench`, "Response
 * parsing"). The grammar needed is small: a status line, four headers (content-length,
 * transfer-encoding, connection, keep-alive's timeout hint) and chunked framing.
 * test/http1-parser.test.ts checks it against generated answers split at random points.
 */

/** Largest head (status line and headers) accepted, as in Node's default --max-http-header-size. */
export const MAX_HEAD_BYTES = 16 * 1024;

const CR = 13;
const LF = 10;
const TERMINATOR = Buffer.from('\r\n\r\n');

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkExtension,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerEndLf,
  UntilClose,
  Done,
  Failed,
}

export type ParseResult =
  /** More bytes are needed. */
  | 'more'
  /** The answer ended; `consumed` bytes of the input belonged to it. */
  | 'done'
  /** The bytes are not HTTP/1.x; `error` says why. */
  | 'error';

export class ResponseParser {
  status = 0;
  /** False when the server will close the connection after this answer. */
  keepAlive = true;
  /** The server's `Keep-Alive: timeout=N` hint in ms, or 0 when it gave none. */
  keepAliveHintMs = 0;
  /** Bytes of the input the last execute() used (meaningful after 'done'). */
  consumed = 0;
  error = '';

  private state = State.Done;
  private noBody = false;
  private remaining = 0;
  private sizeDigits = 0;
  private carry: Buffer | null = null;
  private carryLength = 0;

  /** Starts a new answer; `noBody` for HEAD requests, whose answers carry no body. */
  reset(noBody: boolean): void {
    this.state = State.Head;
    this.noBody = noBody;
    this.status = 0;
    this.keepAlive = true;
    this.keepAliveHintMs = 0;
    this.consumed = 0;
    this.error = '';
    this.carryLength = 0;
  }

  /** True while an answer is only delimited by the connection closing. */
  get readsUntilClose(): boolean {
    return this.state === State.UntilClose;
  }

  private get failed(): boolean {
    return this.state === State.Failed;
  }

  /** The connection closed: an answer delimited by the close ends here. */
  finish(): ParseResult {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      return 'done';
    }
    return this.fail('the connection closed before the answer ended');
  }

  /** Feeds bytes [start, end) of `buf`, which the caller may reuse after the call returns. */
  execute(buf: Buffer, start: number, end: number): ParseResult {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case State.Head: {
          const after = this.head(buf, i, end);
          if (after < 0) return this.failed ? 'error' : 'more';
          i = after;
          break;
        }
        case State.Body:
          i = this.skip(i, end, State.Done);
          break;
        case State.ChunkSize: {
          const c = buf[i]!;
          const digit = hexValue(c);
          if (digit >= 0) {
            // Past 2^44 bytes a chunk size is an attack or garbage, not an answer.
            if (this.sizeDigits++ >= 11) return this.fail('chunk size too large');
            this.remaining = this.remaining * 16 + digit;
          } else if (this.sizeDigits === 0) return this.fail('chunk size expected');
          else if (c === CR) this.state = State.ChunkSizeLf;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = State.ChunkExtension;
          else return this.fail('bad character in chunk size');
          i += 1;
          break;
        }
        case State.ChunkExtension:
          if (buf[i] === CR) this.state = State.ChunkSizeLf;
          else if (buf[i] === LF) return this.fail('bare LF in chunk extension');
          i += 1;
          break;
        case State.ChunkSizeLf:
          if (!this.need(buf[i]!, LF, this.remaining === 0 ? State.TrailerLineStart : State.ChunkData, 'CR not followed by LF after chunk size')) return 'error';
          i += 1;
          break;
        case State.ChunkData:
          i = this.skip(i, end, State.ChunkDataCr);
          break;
        case State.ChunkDataCr:
          if (!this.need(buf[i]!, CR, State.ChunkDataLf, 'chunk data longer than its size')) return 'error';
          i += 1;
          break;
        case State.ChunkDataLf:
          if (!this.need(buf[i]!, LF, State.ChunkSize, 'CR not followed by LF after chunk data')) return 'error';
          this.sizeDigits = 0;
          i += 1;
          break;
        case State.TrailerLineStart:
          this.state = buf[i] === CR ? State.TrailerEndLf : State.TrailerLine;
          i += 1;
          break;
        case State.TrailerLine:
          if (buf[i] === LF) this.state = State.TrailerLineStart;
          i += 1;
          break;
        case State.TrailerEndLf:
          if (!this.need(buf[i]!, LF, State.Done, 'CR not followed by LF after trailers')) return 'error';
          i += 1;
          break;
        case State.UntilClose:
          i = end;
          break;
        case State.Done:
          this.consumed = i - start;
          return 'done';
        case State.Failed:
          return 'error';
      }
    }
    this.consumed = i - start;
    if (this.state === State.Failed) return 'error';
    return this.state === State.Done ? 'done' : 'more';
  }

  /** The one byte the framing allows here moves to `next`; anything else fails with `why`. */
  private need(actual: number, wanted: number, next: State, why: string): boolean {
    if (actual !== wanted) {
      this.fail(why);
      return false;
    }
    this.state = next;
    return true;
  }

  /** Passes over body bytes without reading them; `then` once `remaining` is used up. */
  private skip(i: number, end: number, then: State): number {
    const take = Math.min(this.remaining, end - i);
    this.remaining -= take;
    if (this.remaining === 0) this.state = then;
    return i + take;
  }

  /**
   * Reads the head. The common case (the whole head in one read) is parsed in place; a head
   * split across reads is gathered in `carry`. Returns the offset after the head, or -1.
   */
  private head(buf: Buffer, start: number, end: number): number {
    if (this.carryLength === 0) {
      // indexOf cannot stop at `end`: a match at or past it is stale bytes of an earlier read.
      const at = buf.indexOf(TERMINATOR, start);
      if (at >= 0 && at + 4 <= end) {
        if (at - start > MAX_HEAD_BYTES) {
          this.fail(`head larger than ${MAX_HEAD_BYTES} bytes`);
          return -1;
        }
        this.parseHead(buf, start, at);
        return at + 4;
      }
    }
    // The terminator may straddle the previous read, so the search backs up three bytes.
    const before = this.carryLength;
    const take = Math.min(end - start, MAX_HEAD_BYTES + 4 - before);
    const at = this.appendAndFind(buf, start, start + take, Math.max(0, before - 3));
    if (at >= 0) {
      this.carryLength = 0;
      this.parseHead(this.carry!, 0, at);
      return start + (at + 4 - before);
    }
    if (this.carryLength >= MAX_HEAD_BYTES + 4) this.fail(`head larger than ${MAX_HEAD_BYTES} bytes`);
    return -1;
  }

  private appendAndFind(buf: Buffer, start: number, end: number, searchFrom: number): number {
    const needed = this.carryLength + (end - start);
    if (!this.carry || this.carry.length < needed) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, 1024, (this.carry?.length ?? 0) * 2));
      if (this.carry) this.carry.copy(bigger, 0, 0, this.carryLength);
      this.carry = bigger;
    }
    buf.copy(this.carry, this.carryLength, start, end);
    this.carryLength = needed;
    const at = this.carry.indexOf(TERMINATOR, searchFrom);
    return at >= 0 && at + 4 <= this.carryLength ? at : -1;
  }

  private parseHead(buf: Buffer, start: number, end: number): void {
    // "HTTP/1.1 200" at least; the reason phrase is optional.
    if (end - start < 12 || !startsWithHttp1(buf, start)) {
      this.fail('not an HTTP/1.x status line');
      return;
    }
    const minor = buf[start + 7]!;
    const d0 = buf[start + 9]! - 48;
    const d1 = buf[start + 10]! - 48;
    const d2 = buf[start + 11]! - 48;
    if (buf[start + 8] !== 0x20 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      this.fail('bad status code');
      return;
    }
    const status = d0 * 100 + d1 * 10 + d2;
    const lineEnd = buf.indexOf(CR, start);
    // One string for the header block, lowercased once: names are case-insensitive.
    const headers = lineEnd >= 0 && lineEnd < end ? `${buf.toString('latin1', lineEnd, end).toLowerCase()}\r\n` : '\r\n';
    let keepAlive = minor === 0x31; // HTTP/1.1 keeps the connection unless told otherwise
    const connection = headerValue(headers, '\r\nconnection:');
    if (connection !== null) {
      if (connection.includes('close')) keepAlive = false;
      else if (connection.includes('keep-alive')) keepAlive = true;
    }
    const hint = headerValue(headers, '\r\nkeep-alive:');
    const timeout = hint === null ? null : /timeout=(\d+)/.exec(hint);
    this.keepAliveHintMs = timeout ? Number(timeout[1]) * 1000 : 0;

    if (status < 200 && status !== 101) {
      // 1xx informational answers precede the real one: read the next head.
      this.state = State.Head;
      return;
    }
    this.status = status;
    this.keepAlive = keepAlive;
    if (status === 101) {
      this.fail('the server switched protocols (101), which load requests never ask for');
      return;
    }
    const encoding = headerValue(headers, '\r\ntransfer-encoding:');
    const length = headerValue(headers, '\r\ncontent-length:');
    if (this.noBody || status === 204 || status === 304) this.state = State.Done;
    else if (encoding !== null && encoding.endsWith('chunked')) {
      this.state = State.ChunkSize;
      this.remaining = 0;
      this.sizeDigits = 0;
    } else if (length !== null && encoding === null) {
      const n = /^\d{1,15}$/.test(length) ? Number(length) : NaN;
      if (Number.isNaN(n)) {
        this.fail(`bad content-length "${length.slice(0, 20)}"`);
        return;
      }
      this.remaining = n;
      this.state = n === 0 ? State.Done : State.Body;
    } else {
      // Neither length nor chunks (or an encoding other than chunked last): the body runs
      // until the server closes (RFC 9112 §6.3).
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
  }

  private fail(why: string): 'error' {
    this.state = State.Failed;
    this.error = why;
    return 'error';
  }
}

/** The trimmed value of the first header `key` (given as "\r\nname:"), or null. */
function headerValue(headers: string, key: string): string | null {
  const at = headers.indexOf(key);
  if (at < 0) return null;
  const from = at + key.length;
  return headers.slice(from, headers.indexOf('\r\n', from)).trim();
}

const HTTP1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

function startsWithHttp1(buf: Buffer, start: number): boolean {
  for (let k = 0; k < HTTP1.length; k += 1) if (buf[start + k] !== HTTP1[k]) return false;
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
