import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { GeneratorHealth, LatencySummary } from '../record/load.ts';

/**
 * Watches the load generator itself. A saturated generator sends late and measures its
 * own queueing as the target's latency; such a run is `invalid`, not the target's failure.
 */
export class GeneratorMonitor {
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private readonly windows = new Map<number, { sum: number; n: number; startedAt: number }>();
  private peakElu = 0;

  start(): void {
    this.loop.enable();
  }

  /** Feeds one worker batch's utilisation; keeps a 5-second average per worker. */
  observe(workerIndex: number, elu: number, nowMs: number): void {
    let w = this.windows.get(workerIndex);
    if (!w || nowMs - w.startedAt >= 5000) {
      if (w && w.n > 0) this.peakElu = Math.max(this.peakElu, w.sum / w.n);
      w = { sum: 0, n: 0, startedAt: nowMs };
      this.windows.set(workerIndex, w);
    }
    w.sum += elu;
    w.n += 1;
  }

  finish(scheduleLagMs: LatencySummary | null, dropped: number, limits: { maxScheduleLagP99: number; maxWorkerUtilization: number }): GeneratorHealth {
    this.loop.disable();
    for (const w of this.windows.values()) if (w.n >= 10) this.peakElu = Math.max(this.peakElu, w.sum / w.n);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const reasons: string[] = [];
    if (scheduleLagMs && scheduleLagMs.p99 > limits.maxScheduleLagP99) {
      reasons.push(`load generator saturated: requests left ${scheduleLagMs.p99.toFixed(1)}ms late at p99 (limit ${limits.maxScheduleLagP99}ms)`);
    }
    if (this.peakElu > limits.maxWorkerUtilization) {
      reasons.push(`load generator saturated: a worker was ${Math.round(this.peakElu * 100)}% busy (limit ${Math.round(limits.maxWorkerUtilization * 100)}%)`);
    }
    // Dropped arrivals are not the generator's fault: they mean the target answered too slowly
    // for the in-flight cap (rate x latency > stress.maxInFlight). They are counted in the
    // load results and judged by the load.dropped check or a dropped / dropped_rate threshold.
    return {
      scheduleLagMs,
      peakWorkerUtilization: Math.round(this.peakElu * 1000) / 1000,
      mainLoopDelayMs: { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) },
      droppedArrivals: dropped,
      invalidReasons: reasons,
    };
  }
}
