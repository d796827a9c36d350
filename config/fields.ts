import { z } from 'zod';
import { DurationError, parseDuration } from '../core/duration.ts';

/** A duration written with units ("5s"); the parsed value is milliseconds. */
export const Duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: error instanceof DurationError ? error.message : String(error),
    });
    return z.NEVER;
  }
});

export function durationAtLeast(minMs: number, minText: string) {
  return Duration.refine((ms) => ms >= minMs, { message: `must be at least ${minText}` });
}

/** An http(s) URL. */
export const HttpUrl = z
  .string()
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), {
    message: 'must be an http:// or https:// URL such as http://127.0.0.1:3999',
  });

/** A user's pause between requests (scenarios and profiles share it). */
export const ThinkTimeSchema = z.strictObject({
  /** exponential: Poisson-like arrivals per user (default); uniform: between min and max; constant. */
  distribution: z.enum(['exponential', 'uniform', 'constant']).prefault('exponential'),
  mean: Duration.prefault('3s'),
  min: Duration.prefault('0ms'),
  max: Duration.prefault('30s'),
});
