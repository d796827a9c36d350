import type { QueueSnapshot } from './parse.ts';

/** One health observation: the unit of samples.ndjson and of alert evaluation. */
export interface HealthSample {
  seq: number;
  /** When the sample was taken (ISO) and the same in epoch ms. */
  t: string;
  tMs: number;
  /** How late the sampler started this sample against its schedule, in ms (timer jitter). */
  lagMs: number;
  httpStatus: number | null;
  latencyMs: number;
  /** true or false when readable; null when the sample failed and health is unknown. */
  degraded: boolean | null;
  status: string | null;
  queue: QueueSnapshot | null;
  queueError: string | null;
  /** Set when the sample failed: refused, timeout, unreadable body. */
  error: string | null;
  /** The public probes (no bearer) taken alongside. */
  public?: { get: PublicProbe; head: PublicProbe };
}

export interface PublicProbe {
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
  /** The public answer must not carry queue data. */
  leaksQueue?: boolean;
}

/** A failed sample tells us nothing good: health rules treat it as unhealthy. */
export function isUnhealthy(sample: HealthSample): boolean {
  return sample.error !== null || sample.degraded === true;
}

export function backlogOf(sample: HealthSample): number | null {
  return sample.queue ? sample.queue.pending + sample.queue.retrying : null;
}
