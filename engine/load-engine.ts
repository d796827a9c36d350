import { Worker } from 'node:worker_threads';
import type { Scenario } from '../scenarios/schema.ts';
import type { Batch, FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { split } from '../scenarios/stages.ts';

export interface LoadEngineOptions {
  target: string;
  scenario: Scenario;
  cookies: string[];
  cronSecret: string | null;
  workers: number;
  timeoutMs: number;
  /** Connections per worker (default: enough for its share of users, at most 256). */
  connections?: number;
  maxInFlight?: number;
  /** Live A/B: twin users load this deployment too (see WorkerInit.candidateTarget). */
  candidateTarget?: string | null;
  onBatch(batch: Batch, workerIndex: number): void;
  onFatal?(message: string): void;
}

// From source, workers need tsx registered first (worker-entry.mjs); built, they load worker.js.
const WORKER_ENTRY = import.meta.url.endsWith('.ts') ? new URL('./worker-entry.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);

/**
 * Runs the load in worker threads, so one event loop does not cap it and the main thread
 * stays free to keep the watcher's time. Users and rates are split evenly over workers.
 */
export class LoadEngine {
  private readonly threads: Worker[] = [];
  private readonly stopped: Promise<void>[] = [];
  private readonly readies: Promise<void>[] = [];
  private users = 0;
  private rate = 0;

  constructor(private readonly options: LoadEngineOptions) {
    const { workers, scenario } = options;
    for (let i = 0; i < workers; i += 1) {
      const init: WorkerInit = {
        workerIndex: i,
        workerCount: workers,
        target: options.target,
        routes: scenario.routes,
        offsets: scenario.offsets,
        thinkTime: scenario.thinkTime,
        cookies: options.cookies,
        cronSecret: options.cronSecret,
        timeoutMs: options.timeoutMs,
        connections: options.connections ?? 256,
        maxInFlight: options.maxInFlight ?? 10_000,
        flushMs: 250,
        candidateTarget: options.candidateTarget ?? null,
      };
      const thread = new Worker(WORKER_ENTRY, { workerData: init });
      // A worker that dies before it is ready must not leave ready() waiting forever.
      this.readies.push(
        new Promise<void>((resolve) => {
          thread.on('message', (m: FromWorker) => m.type === 'ready' && resolve());
          thread.once('error', () => resolve());
          thread.once('exit', () => resolve());
        }),
      );
      this.stopped.push(
        new Promise<void>((resolve) => {
          thread.on('message', (message: FromWorker) => {
            if (message.type === 'batch') options.onBatch(message, i);
            else if (message.type === 'stopped') resolve();
            else if (message.type === 'fatal') options.onFatal?.(message.message);
          });
          thread.on('error', (error) => {
            options.onFatal?.(`load worker ${i} failed: ${error.message}`);
            resolve();
          });
          thread.on('exit', () => resolve());
        }),
      );
      this.threads.push(thread);
    }
  }

  /** Resolves when every worker has loaded and can start users without a cold-start lag. */
  async ready(): Promise<void> {
    await Promise.all(this.readies);
  }

  get activeUsers(): number {
    return this.users;
  }

  get targetRate(): number {
    return this.rate;
  }

  setUsers(count: number): void {
    const total = Math.max(0, Math.round(count));
    if (total === this.users) return;
    this.users = total;
    split(total, this.threads.length).forEach((share, i) => this.send(i, { type: 'vus', count: share }));
  }

  setRate(perSecond: number): void {
    this.rate = Math.max(0, perSecond);
    this.threads.forEach((_, i) => this.send(i, { type: 'rate', perSecond: this.rate / this.threads.length }));
  }

  /** Swaps in refreshed sessions (the same pool, in the same order): users pick them up on their next request. */
  setCookies(cookies: string[]): void {
    this.threads.forEach((_, i) => this.send(i, { type: 'cookies', cookies }));
  }

  /** Stops every user, waits for answers in flight (bounded by the timeout), ends the threads. */
  async stop(): Promise<void> {
    this.threads.forEach((_, i) => this.send(i, { type: 'stop' }));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.options.timeoutMs + 5000).unref());
    await Promise.race([Promise.all(this.stopped), deadline]);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private send(i: number, message: ToWorker): void {
    this.threads[i]!.postMessage(message);
  }
}
