import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LoadStats } from '../engine/stats.ts';
import { readLogStream } from '../signals/logs/sources.ts';

describe('LoadStats intervals', () => {
  it('a second with no answers is emitted empty, so a stall shows as 0 req/s', () => {
    const t0 = 1_000_000;
    const stats = new LoadStats([{ name: 'GET /a', auth: 'none' }], t0);
    stats.record(0, 200, 0, 5000, 0, t0 + 100, 5);
    stats.record(0, 200, 0, 5000, 0, t0 + 3200, 5);
    const out = stats.closeIntervals(Number.POSITIVE_INFINITY);
    expect(out.map((i) => [i.elapsedS, i.overall.requests])).toEqual([[0, 1], [1, 0], [2, 0], [3, 1]]);
    expect(out[1]!.users).toBe(5);
  });

  it('closes only seconds past the grace period', () => {
    const t0 = 1_000_000;
    const stats = new LoadStats([{ name: 'GET /a' }], t0);
    stats.record(0, 200, 0, 1000, 0, t0 + 500, 1);
    expect(stats.closeIntervals(t0 + 2000)).toEqual([]);
    expect(stats.closeIntervals(t0 + 3600).map((i) => i.elapsedS)).toEqual([0, 1]);
  });
});

describe('readLogStream', () => {
  it('stops reading a stream that never ends (kubectl logs -f | drill …) when aborted', async () => {
    const stream = new PassThrough();
    const seen: boolean[] = [];
    const stop = new AbortController();
    const done = readLogStream(stream, (p) => seen.push(p.ok), Date.now, stop.signal);
    stream.write('{"event":"a.b"}\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    await done;
    expect(seen).toEqual([true]);
  });
});
