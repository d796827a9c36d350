/**
 * The engine's response parser against http-parser-js (the parser autocannon uses) on the
 * same answers in memory: no sockets, so the ratio is the parsers' alone. Interleaved
 * rounds, each bounded in time.
 */
import { HTTPParser } from 'http-parser-js';
import { ResponseParser } from '../engine/http1/response-parser.ts';

const HEAD = [
  'HTTP/1.1 200 OK',
  'content-type: application/json; charset=utf-8',
  'cache-control: private, no-cache, no-store, max-age=0, must-revalidate',
  'vary: RSC, Next-Router-State-Tree, Next-Router-Prefetch, Accept-Encoding',
  'x-request-id: 0f8a2c1e-6a4b-4f8e-9b0d-3c2e1f7a9d55',
  'date: Sun, 29 Nov 2026 12:00:00 GMT',
  'connection: keep-alive',
  'keep-alive: timeout=5',
];
const BODY = JSON.stringify({ jobs: Array.from({ length: 25 }, (_, i) => ({ id: i, type: 'send_campaign_email', status: 'pending', attempts: 0 })), total: 3000 });

export const ANSWERS: Record<string, Buffer> = {
  'content-length, 2 KB JSON': Buffer.from(`${[...HEAD, `content-length: ${Buffer.byteLength(BODY)}`].join('\r\n')}\r\n\r\n${BODY}`),
  'chunked, 2 KB JSON in 4 chunks': Buffer.from(
    `${[...HEAD, 'transfer-encoding: chunked'].join('\r\n')}\r\n\r\n${[0, 1, 2, 3].map((i) => BODY.slice((i * BODY.length) / 4, ((i + 1) * BODY.length) / 4)).map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`,
  ),
};

/** Answers parsed per second by drill's parser, for `ms`. */
function drillRate(bytes: Buffer, ms: number): number {
  const parser = new ResponseParser();
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k += 1) {
      parser.reset(false);
      if (parser.execute(bytes, 0, bytes.length) !== 'done') throw new Error(`drill's parser did not finish: ${parser.error}`);
    }
    n += 1000;
  }
  return n / (ms / 1000);
}

/** Answers parsed per second by http-parser-js, one connection's parser fed answer after answer. */
function httpParserJsRate(bytes: Buffer, ms: number): number {
  const parser = new HTTPParser(HTTPParser.RESPONSE);
  let done = 0;
  parser[HTTPParser.kOnMessageComplete] = () => {
    done += 1;
  };
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k += 1) parser.execute(bytes);
    n += 1000;
  }
  if (done !== n) throw new Error(`http-parser-js finished ${done} of ${n} answers`);
  return n / (ms / 1000);
}

export function benchParsers(rounds: number, ms: number): { answer: string; drill: number; httpParserJs: number; ratio: number }[] {
  return Object.entries(ANSWERS).map(([answer, bytes]) => {
    // Warm both up first, so neither round one pays the other's compile time.
    httpParserJsRate(bytes, 100);
    drillRate(bytes, 100);
    let drill = 0;
    let other = 0;
    for (let r = 0; r < rounds; r += 1) {
      other += httpParserJsRate(bytes, ms);
      drill += drillRate(bytes, ms);
    }
    return { answer, drill: drill / rounds, httpParserJs: other / rounds, ratio: drill / other };
  });
}
