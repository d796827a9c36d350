/** A k6-style stage: move linearly to `target` over `durationMs`. */
export interface Stage {
  durationMs: number;
  target: number;
}

export function totalDuration(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/** The target (users, or requests per second) at `elapsedMs`, ramping linearly from 0. */
export function targetAt(stages: readonly Stage[], elapsedMs: number): number {
  let from = 0;
  let start = 0;
  for (const stage of stages) {
    if (elapsedMs < start + stage.durationMs) {
      const progress = stage.durationMs === 0 ? 1 : (elapsedMs - start) / stage.durationMs;
      return from + (stage.target - from) * progress;
    }
    from = stage.target;
    start += stage.durationMs;
  }
  return stages.length ? stages[stages.length - 1]!.target : 0;
}

/** Splits `total` over `parts` as evenly as whole numbers allow. */
export function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}
