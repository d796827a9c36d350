/** Messages between the load engine (main thread) and its worker threads. */
import type { Route } from '../scenarios/schema.ts';

export const ERROR_CODES = ['none', 'timeout', 'refused', 'reset', 'other'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WorkerInit {
  workerIndex: number;
  workerCount: number;
  target: string;
  routes: Route[];
  offsets: { max: number; step: number };
  thinkTime: { distribution: 'exponential' | 'uniform' | 'constant'; mean: number; min: number; max: number };
  cookies: string[];
  cronSecret: string | null;
  timeoutMs: number;
  /** Most connections this worker opens to the target. */
  connections: number;
  /** Arrival mode: most requests in flight before new arrivals are dropped (k6's maxVUs). */
  maxInFlight: number;
  flushMs: number;
  /**
   * Live A/B: a second deployment. Every user gets a twin with the same session that loads
   * this one on the same schedule, so both see the same load at the same moments; a twin's
   * answers carry route index + routes.length.
   */
  candidateTarget?: string | null;
}

export type ToWorker =
  | { type: 'vus'; count: number }
  | { type: 'rate'; perSecond: number }
  /** Refreshed sessions: the pool's cookies, same order and length as `cookies` at init. */
  | { type: 'cookies'; cookies: string[] }
  | { type: 'stop' };

/** One flush of completed requests, column-wise so it transfers without copying. */
export interface Batch {
  type: 'batch';
  route: Uint16Array;
  status: Uint16Array;
  error: Uint8Array;
  /** From the intended send time to the end of the answer. */
  latencyUs: Float64Array;
  /** How late the request left against its intended time (generator health). */
  lagUs: Float64Array;
  /** Epoch ms when each answer ended. */
  endMs: Float64Array;
  count: number;
  activeVus: number;
  inFlight: number;
  /** Arrivals dropped because maxInFlight requests were already waiting. */
  dropped: number;
  /** Event-loop utilisation of this worker since the previous batch (0..1). */
  elu: number;
}

export type FromWorker = Batch | { type: 'ready' } | { type: 'stopped' } | { type: 'fatal'; message: string };
