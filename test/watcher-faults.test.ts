import { afterEach, describe, expect, it } from 'vitest';
import { CannotRunError } from '../core/errors.ts';
import { HEALTHY_BODY, json, startScriptServer, type ScriptServer } from './helpers/script-server.ts';
import { watchFor } from './helpers/watch.ts';

let server: ScriptServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const quick = { config: { watch: { interval: '250ms', timeout: '400ms' } }, cronSecret: 'x-secret-value' };

describe('the watcher survives a misbehaving health route', () => {
  it.each([
    ['HTML', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'), /unreadable body/],
    ['garbage', (res: import('node:http').ServerResponse) => res.writeHead(200).end('\u0000\u00ff{{{'), /unreadable body/],
    ['a reset connection', (res: import('node:http').ServerResponse) => res.socket!.destroy(), /ECONNRESET|other side closed|socket/i],
  ])('%s gives failed samples and a failing watch.samples check', async (_, reply, error) => {
    let n = 0;
    server = await startScriptServer((_req, res) => ((n += 1) === 1 ? json(res, 200, HEALTHY_BODY) : reply(res)));
    const { record } = await watchFor(server.url, 1200, quick);
    const samples = record.checks.find((c) => c.id === 'watch.samples')!;
    expect(samples.status).toBe('fail');
    expect(JSON.stringify(samples.evidence.errors)).toMatch(error);
    expect(record.verdict).toBe('fail');
  });

  it('a hanging route times out per sample and never piles up', async () => {
    let n = 0;
    server = await startScriptServer((_req, res) => {
      if ((n += 1) <= 3) json(res, 200, HEALTHY_BODY); // preflight: main, public GET, HEAD
      // else: never answer
    });
    const { record } = await watchFor(server.url, 1500, quick);
    const evidence = record.checks.find((c) => c.id === 'watch.samples')!.evidence as { errors: string[]; failed: number; total: number };
    // Every sample after the (answered) preflight failed on its own 400 ms timeout, none
    // waiting on another, and the run ended: a hung route is a failed sample, never a stuck watcher.
    expect(evidence.errors).toEqual(['timeout after 400ms']);
    expect(evidence.total).toBeGreaterThan(1);
    expect(evidence.failed).toBe(evidence.total - 1);
  });

  it('a huge body is cut off at 256 KiB, not buffered', async () => {
    const LIMIT = 512 * 1024 * 1024;
    let sentBytes = 0;
    let hungUpEarly = false;
    let n = 0;
    server = await startScriptServer((req, res) => {
      if ((n += 1) <= 3) return json(res, 200, HEALTHY_BODY);
      // A HEAD answer has no body: node discards writes to it, so there is nothing to pump.
      if (req.method === 'HEAD') return res.writeHead(200).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let closed = false;
      res.on('close', () => {
        closed = true;
        hungUpEarly ||= !res.writableFinished;
      });
      const pump = () => {
        // Bounded: 512 MiB at most, with backpressure, stopping when the client hangs up.
        while (sentBytes < LIMIT && !closed) {
          sentBytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!closed) res.end();
      };
      pump();
    });
    const { record } = await watchFor(server.url, 600, quick);
    const evidence = record.checks.find((c) => c.id === 'watch.samples')!.evidence as { errors: string[] };
    expect(evidence.errors).toContain('body larger than 256 KiB');
    expect(hungUpEarly).toBe(true);
    // Each oversized answer stops after 256 KiB plus what the sockets buffered.
    expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('a target that dies mid-run and comes back: outage recorded, run completes', async () => {
    // Down for the bearer samples 3 to 4 (counted by the server, not by a clock), up again after.
    let bearer = 0;
    server = await startScriptServer((req, res) => {
      if (req.headers.authorization) bearer += 1;
      const down = bearer >= 3 && bearer <= 4;
      return down ? res.socket!.destroy() : json(res, 200, HEALTHY_BODY);
    });
    const { record, dir } = await watchFor(server.url, 2000, quick);
    const evidence = record.checks.find((c) => c.id === 'watch.samples')!.evidence as { failed: number; total: number };
    expect(evidence.failed).toBeGreaterThan(0);
    expect(evidence.failed).toBeLessThan(evidence.total);
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(`${dir}/samples.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(evidence.total);
    expect(lines.some((s) => s.error) && lines.at(-1).error === null).toBe(true);
  });

  it('a target refusing at start is CannotRunError (exit 3)', async () => {
    server = await startScriptServer(() => {});
    const url = server.url;
    await server.close();
    server = null;
    const error = await watchFor(url, 500, quick).catch((e) => e);
    expect(error).toBeInstanceOf(CannotRunError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/did not answer at start \(.*ECONNREFUSED/);
  });
});
