import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ResponseParser, type ParseResult } from '../../engine/http1/response-parser.ts';

/**
 * The engine's response parser, checked against answers whose truth is known because the
 * test built them: every framing (length, chunks, close-delimited, none), 1xx prefaces,
 * header case, keep-alive rules, split at random points and read the way the client reads
 * them: into one reused buffer whose bytes past the read are stale.
 */

interface Built {
  bytes: Buffer;
  status: number;
  keepAlive: boolean;
  hintMs: number;
  noBody: boolean;
  /** The answer ends only when the connection closes. */
  untilClose: boolean;
}

const casing = fc.constantFrom((s: string) => s, (s: string) => s.toUpperCase(), (s: string) => s.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()));
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const value = fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim());

const answer = fc
  .record({
    minor: fc.constantFrom(0, 1),
    status: fc.oneof(fc.integer({ min: 200, max: 599 }), fc.constantFrom(200, 204, 301, 304, 401, 500)),
    head: fc.boolean(),
    preface: fc.constantFrom(null, 100, 103),
    framing: fc.constantFrom('length', 'chunked', 'close'),
    body: fc.uint8Array({ maxLength: 3000 }),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
    upperHex: fc.boolean(),
    extension: fc.boolean(),
    trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }),
    connection: fc.constantFrom(null, 'close', 'keep-alive', 'Keep-Alive'),
    hint: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
    extra: fc.array(fc.tuple(token, value), { maxLength: 6 }),
    nameCase: casing,
  })
  .map((a): Built => {
    const lines: string[] = [];
    const name = a.nameCase;
    for (const [n, v] of a.extra) if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(n)) lines.push(`${n}: ${v}`);
    const noBody = a.head || a.status === 204 || a.status === 304;
    let body = Buffer.alloc(0);
    let untilClose = false;
    if (a.framing === 'length') lines.push(`${name('content-length')}: ${a.body.length}`);
    else if (a.framing === 'chunked') {
      lines.push(`${name('transfer-encoding')}: chunked`);
      if (!noBody) {
        const parts: Buffer[] = [];
        let at = 0;
        for (const size of a.chunkSizes) {
          const piece = Buffer.from(a.body.subarray(at, at + size));
          at += size;
          if (piece.length === 0) break;
          const hex = piece.length.toString(16);
          parts.push(Buffer.from(`${a.upperHex ? hex.toUpperCase() : hex}${a.extension ? ';name="v"' : ''}\r\n`), piece, Buffer.from('\r\n'));
        }
        parts.push(Buffer.from(`0\r\n${a.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`));
        body = Buffer.concat(parts);
      }
    } else untilClose = !noBody;
    if (a.framing !== 'chunked' && !noBody) body = Buffer.from(a.body);
    if (a.framing === 'length' && noBody) body = Buffer.alloc(0);
    if (a.connection) lines.push(`${name('connection')}: ${a.connection}`);
    if (a.hint !== null) lines.push(`${name('keep-alive')}: timeout=${a.hint}, max=1000`);
    let keepAlive = a.minor === 1;
    if (a.connection === 'close') keepAlive = false;
    else if (a.connection) keepAlive = true;
    if (untilClose) keepAlive = false;
    const preface = a.preface ? `HTTP/1.1 ${a.preface} Info\r\n${a.preface === 103 ? 'link: </a.css>; rel=preload\r\n' : ''}\r\n` : '';
    const head = `${preface}HTTP/1.${a.minor} ${a.status} Reason Phrase\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
    return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), body]), status: a.status, keepAlive, hintMs: a.hint === null ? 0 : a.hint * 1000, noBody: a.head, untilClose };
  });

/** Splits `bytes` at `cuts` and feeds each piece through one reused, stale-filled buffer. */
function feed(parser: ResponseParser, bytes: Buffer, cuts: number[], stale: Buffer): { result: ParseResult; fed: number } {
  const reused = Buffer.alloc(64 * 1024);
  stale.copy(reused);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  let from = 0;
  let result: ParseResult = 'more';
  for (const to of [...points, bytes.length]) {
    if (to <= from) continue;
    bytes.copy(reused, 0, from, to);
    result = parser.execute(reused, 0, to - from);
    if (result !== 'more') return { result, fed: from + parser.consumed };
    from = to;
  }
  return { result, fed: bytes.length };
}

// Stale bytes include terminators and a plausible head, to catch a search that runs past the read.
const stale = fc.constantFrom(Buffer.alloc(0), Buffer.from('\r\n\r\nHTTP/1.1 500 X\r\ncontent-length: 0\r\n\r\n'.repeat(64)));

describe('HTTP/1.1 response parser', () => {
  it('finds the status and the exact end of any answer, however it is split', () => {
    fc.assert(
      fc.property(answer, fc.array(fc.nat(), { maxLength: 12 }), stale, (built, cuts, staleBytes) => {
        const parser = new ResponseParser();
        parser.reset(built.noBody);
        const { result, fed } = feed(parser, built.bytes, cuts, staleBytes);
        if (built.untilClose) {
          expect(result).toBe('more');
          expect(parser.readsUntilClose).toBe(true);
          expect(parser.finish()).toBe('done');
        } else {
          expect(result).toBe('done');
          expect(fed).toBe(built.bytes.length);
        }
        expect(parser.status).toBe(built.status);
        expect(parser.keepAlive).toBe(built.keepAlive);
        expect(parser.keepAliveHintMs).toBe(built.hintMs);
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on arbitrary bytes: every input is more, done, or an error with a reason', () => {
    const noise = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      // Mostly-HTTP noise reaches the deeper states more often than random bytes do.
      fc.array(fc.constantFrom('HTTP/1.1 200 OK\r\n', 'content-length: 3\r\n', 'transfer-encoding: chunked\r\n', '\r\n', 'a;x\r\n', '0\r\n', 'zz', '\n'), { maxLength: 20 }).map((parts) => Buffer.from(parts.join(''))),
    );
    fc.assert(
      fc.property(noise, fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (bytes, noBody, cuts) => {
        const parser = new ResponseParser();
        parser.reset(noBody);
        const { result } = feed(parser, Buffer.from(bytes), cuts, Buffer.alloc(0));
        expect(['more', 'done', 'error']).toContain(result);
        if (result === 'error') expect(parser.error).not.toBe('');
      }),
      { numRuns: 2000 },
    );
  });

  it('stops at the end of an answer and leaves the bytes after it', () => {
    const parser = new ResponseParser();
    parser.reset(false);
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n');
    expect(parser.execute(bytes, 0, bytes.length)).toBe('done');
    expect(parser.consumed).toBe(bytes.indexOf('okHTTP') + 2);
  });

  it('a HEAD answer ends at its head, whatever content-length says', () => {
    const parser = new ResponseParser();
    parser.reset(true);
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n');
    expect(parser.execute(bytes, 0, bytes.length)).toBe('done');
  });

  it('a connection closed mid-answer is an error, not an answer', () => {
    const parser = new ResponseParser();
    parser.reset(false);
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
    expect(parser.execute(bytes, 0, bytes.length)).toBe('more');
    expect(parser.finish()).toBe('error');
    expect(parser.error).toMatch(/closed before the answer ended/);
  });

  const bad: [string, string, RegExp][] = [
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>\r\n\r\n', /not an HTTP\/1.x status line/],
    ['a status out of range', 'HTTP/1.1 999 Nope\r\n\r\n', /bad status code/],
    ['letters for a status', 'HTTP/1.1 2OO OK\r\n\r\n', /bad status code/],
    ['a bad content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\n', /bad content-length "12abc"/],
    ['a negative content-length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', /bad content-length/],
    ['garbage for a chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /chunk size expected/],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokay\r\n', /chunk data longer than its size/],
    ['an absurd chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\n', /chunk size too large/],
    ['a protocol switch', 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n', /switched protocols/],
  ];
  for (const [what, text, why] of bad) {
    it(`rejects ${what}, saying why`, () => {
      const parser = new ResponseParser();
      parser.reset(false);
      const bytes = Buffer.from(text);
      expect(parser.execute(bytes, 0, bytes.length)).toBe('error');
      expect(parser.error).toMatch(why);
    });
  }

  it(`rejects a head over ${MAX_HEAD_BYTES} bytes, whether it arrives whole or in pieces`, () => {
    const huge = Buffer.from(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\ncontent-length: 0\r\n\r\n`);
    const whole = new ResponseParser();
    whole.reset(false);
    expect(whole.execute(huge, 0, huge.length)).toBe('error');
    const pieces = new ResponseParser();
    pieces.reset(false);
    let result: ParseResult = 'more';
    for (let at = 0; at < huge.length && result === 'more'; at += 1000) result = pieces.execute(huge, at, Math.min(huge.length, at + 1000));
    expect(result).toBe('error');
    expect(pieces.error).toMatch(/head larger than/);
  });

  it('accepts a head just under the limit, split in pieces', () => {
    const text = `HTTP/1.1 204 No Content\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES - 60)}\r\n\r\n`;
    const bytes = Buffer.from(text);
    const parser = new ResponseParser();
    parser.reset(false);
    let result: ParseResult = 'more';
    for (let at = 0; at < bytes.length && result === 'more'; at += 777) result = parser.execute(bytes, at, Math.min(bytes.length, at + 777));
    expect(result).toBe('done');
    expect(parser.status).toBe(204);
  });
});
