import os from 'node:os';
import type { LatencySummary, MachineSummary } from '../record/load.ts';

/**
 * The generator's machine while the load runs: the share of all its cores that were busy
 * (every process, the target's too when it shares the machine), from os.cpus() time
 * counters every 250 ms, and the load average. A gate against a stored baseline reads it
 * to tell a busier machine from a slower build.
 */
export class MachineSampler {
  private last = MachineSampler.times();
  private readonly samples: { atMs: number; busy: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly loadStart = os.loadavg()[0]!;

  constructor(private readonly now: () => number = Date.now) {}

  private static times(): { busy: number; total: number } {
    let busy = 0;
    let total = 0;
    for (const cpu of os.cpus()) {
      const t = cpu.times;
      const all = t.user + t.nice + t.sys + t.idle + t.irq;
      total += all;
      busy += all - t.idle;
    }
    return { busy, total };
  }

  start(): void {
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }

  sample(): void {
    const next = MachineSampler.times();
    const total = next.total - this.last.total;
    if (total > 0) this.samples.push({ atMs: this.now(), busy: (next.busy - this.last.busy) / total });
    this.last = next;
  }

  /** Mean busy share of the samples taken in (fromMs, toMs + 250]: each covers the 250 ms before it. */
  cpuBusyBetween(fromMs: number, toMs: number): number | null {
    const inside = this.samples.filter((s) => s.atMs > fromMs && s.atMs <= toMs + 250);
    return inside.length ? Math.round((inside.reduce((a, s) => a + s.busy, 0) / inside.length) * 1000) / 1000 : null;
  }

  finish(scheduleLagMs: LatencySummary | null, reference: { name: string; latencyMs: LatencySummary | null } | null): MachineSummary {
    if (this.timer) clearInterval(this.timer);
    const busy = this.samples.map((s) => s.busy).sort((a, b) => a - b);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      cpus: os.cpus().length,
      cpuBusy: busy.length
        ? { mean: r3(busy.reduce((a, b) => a + b, 0) / busy.length), p95: r3(busy[Math.min(busy.length - 1, Math.floor(busy.length * 0.95))]!), max: r3(busy.at(-1)!) }
        : null,
      loadAverage: { start: r3(this.loadStart), end: r3(os.loadavg()[0]!) },
      scheduleLagMs: scheduleLagMs ? { p50: scheduleLagMs.p50, p99: scheduleLagMs.p99 } : null,
      referenceRoute: reference,
    };
  }
}
