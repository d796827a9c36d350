import { z } from 'zod';

/** The six fields CE Pro's health endpoint reports with the cron bearer (docs/contracts/cepro.md). */
export const QueueSnapshot = z.object({
  pending: z.number().nonnegative(),
  retrying: z.number().nonnegative(),
  processing: z.number().nonnegative(),
  dead_letter: z.number().nonnegative(),
  oldest_ready_at: z.string().nullable(),
  oldest_ready_age_seconds: z.number().nonnegative().nullable(),
});

export const PublicProbe = z.object({
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number(),
  error: z.string().nullable(),
  /** The public answer must not carry queue data. */
  leaksQueue: z.boolean().optional(),
});

/** One health observation: the unit of samples.ndjson and of alert evaluation. */
export const HealthSample = z.looseObject({
  seq: z.number().int(),
  /** When the sample was taken (ISO) and the same in epoch ms. */
  t: z.string(),
  tMs: z.number(),
  /** How late the sampler started this sample against its schedule, in ms (timer jitter). */
  lagMs: z.number(),
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number(),
  /** true or false when readable; null when the sample failed and health is unknown. */
  degraded: z.boolean().nullable(),
  status: z.string().nullable(),
  /** What the body says of each component (`checks` in CE Pro's reference body): name -> status word. */
  components: z.record(z.string(), z.string()).nullable().optional(),
  queue: QueueSnapshot.nullable(),
  queueError: z.string().nullable(),
  /** Set when the sample failed: refused, timeout, unreadable body. */
  error: z.string().nullable(),
  /** The public probes (no bearer) taken alongside. */
  public: z.object({ get: PublicProbe, head: PublicProbe }).optional(),
});

export type QueueSnapshot = z.output<typeof QueueSnapshot>;
export type PublicProbe = z.output<typeof PublicProbe>;
export type HealthSample = z.output<typeof HealthSample>;

/** A failed sample tells us nothing good: health rules treat it as unhealthy. */
export function isUnhealthy(sample: HealthSample): boolean {
  return sample.error !== null || sample.degraded === true;
}

/** The backlog the runbook's alert watches: ready work waiting (pending + retrying). */
export function backlogOf(sample: Pick<HealthSample, 'queue'>): number | null {
  return sample.queue ? sample.queue.pending + sample.queue.retrying : null;
}
