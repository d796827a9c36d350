/**
 * Durations are always written with units (`250ms`, `5s`, `2m`, `1h`, or compounds
 * such as `1m30s`). A bare number is refused: `--duration 30` could mean seconds to
 * one operator and minutes to another, and a drill that runs 60x too long is a real cost.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

export class DurationError extends Error {}

/** Parses a duration into milliseconds; throws DurationError with a message that shows the fix. */
export function parseDuration(text: string): number {
  const input = String(text).trim();
  if (!WHOLE.test(input)) {
    const hint = /^\d+(\.\d+)?$/.test(input) ? ` (units are required: did you mean ${input}s?)` : '';
    throw new DurationError(`"${input}" is not a duration${hint}; use e.g. 250ms, 5s, 2m, 1h or 1m30s`);
  }
  let total = 0;
  for (const match of input.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** Renders milliseconds the way people write durations: 1500 -> "1.5s", 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}
