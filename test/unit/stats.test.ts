import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LoadStats } from '../../engine/stats.ts';
import { readLogStream } from '../../signals/logs/sources.ts';

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

  it('overall latency is every route’s answers together, for the run and for each second', () => {
    const t0 = 1_000_000;
    const stats = new LoadStats([{ name: 'GET /fast', auth: 'none' }, { name: 'GET /slow', auth: 'none' }], t0);
    // 900 answers at 10 ms and 100 at 200 ms, all in second 0: p50 10 ms, p95 200 ms, mean 29 ms.
    for (let i = 0; i < 900; i += 1) stats.record(0, 200, 0, 10_000, 0, t0 + 100, 1);
    for (let i = 0; i < 100; i += 1) stats.record(1, 200, 0, 200_000, 0, t0 + 200, 1);
    const { overall, routes } = stats.summary();
    expect(overall.requests).toBe(1000);
    // HDR buckets report within 0.1%: 10 ms reads as 10.007.
    expect(overall.latencyMs!.min).toBeCloseTo(10, 1);
    expect(overall.latencyMs!.p50).toBeCloseTo(10, 1);
    expect(overall.latencyMs!.p90).toBeCloseTo(10, 1);
    expect(overall.latencyMs!.max).toBeCloseTo(200, 0);
    expect(overall.latencyMs!.p95).toBeCloseTo(200, 0);
    expect(overall.latencyMs!.mean).toBeCloseTo(29, 0);
    expect(routes['GET /slow']!.latencyMs!.p50).toBeCloseTo(200, 0);
    expect(stats.percentileMs('overall', 95)).toBeCloseTo(200, 0);
    expect(stats.percentileMs('overall', 50)).toBeCloseTo(10, 1);
    const [second] = stats.closeIntervals(Number.POSITIVE_INFINITY);
    expect(second!.overall.latencyMs).toEqual(overall.latencyMs);
    expect(second!.routes['GET /fast']!.latencyMs!.p99).toBeCloseTo(10, 1);
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
