/**
 * When a request counts from. Timers fire on whole milliseconds, typically 0.5 to 1 ms
 * after the time asked for, so the engine lets a request leave up to EARLY_MS before it is
 * due. A request that left early is timed from when it left (it cannot have waited before
 * that); one that left late is timed from when it was due, so the generator's own delay is
 * in its latency and cannot hide a slow target (coordinated omission). The rate is kept:
 * due times advance by the schedule, not by when requests left.
 */
export const EARLY_MS = 1;

/** Microseconds from the earlier of due and sent to the end of the answer. */
export function latencyUs(dueAt: number, sentAt: number, endedAt: number): number {
  return (endedAt - Math.min(dueAt, sentAt)) * 1000;
}

/** Microseconds the request left after it was due (0 when on time or early). */
export function lagUs(dueAt: number, sentAt: number): number {
  return Math.max(0, sentAt - dueAt) * 1000;
}
