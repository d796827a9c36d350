import { z } from 'zod';
import { ALERT_IDS } from '../alert-ids.ts';
import { Duration, HttpUrl, durationAtLeast } from './fields.ts';

/**
 * One schema, two types: `DrillConfigInput` is what users write (durations as "5s"),
 * `DrillConfig` is what code uses (durations in milliseconds, defaults filled in).
 * Objects are strict so a typo ("intervall") is an error, not a silently ignored key.
 * Secrets are not part of this schema: they come from the environment only.
 */
const AlertOverride = z.strictObject({
  enabled: z.boolean().optional(),
  /** How long the condition must hold at every evaluation before the alert fires (Prometheus `for:`). */
  for: Duration.optional(),
  /** The rule's number (seconds for ages, jobs for counts); each rule documents its unit. */
  threshold: z.number().finite().optional(),
});

export const ConfigSchema = z.strictObject({
  /** Default target when --target is not given. */
  target: HttpUrl.optional(),
  targets: z
    .strictObject({
      /** Hosts that may be loaded besides loopback. Load only goes where the user points it. */
      allow: z.array(z.string().min(1)).prefault([]),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxUsers: z.number().int().positive().prefault(2000),
      maxRatePerSecond: z.number().positive().prefault(5000),
      maxDuration: Duration.prefault('2h'),
    })
    .prefault({}),
  watch: z
    .strictObject({
      /** Time between health samples. */
      interval: durationAtLeast(250, '250ms').prefault('5s'),
      /** A health request slower than this is a failed sample (timeout). */
      timeout: durationAtLeast(50, '50ms').prefault('2s'),
      /** Where the six queue fields live in the health body; null means the top level. */
      queueKey: z.string().min(1).nullable().prefault('queue'),
      healthPath: z.string().startsWith('/').prefault('/api/health'),
    })
    .prefault({}),
  alerts: z.partialRecord(z.enum(ALERT_IDS), AlertOverride).prefault({}),
  /** k6-style expressions, keyed by `overall` or a route name: { overall: ['p(95)<800'] }. */
  thresholds: z.record(z.string(), z.array(z.string().min(1))).prefault({}),
  /** Root for run directories when --out is not given. */
  outDir: z.string().min(1).prefault('reports/runs'),
  /** Where `drill baseline save` stores the blessed baseline run. */
  baseline: z.string().min(1).optional(),
});

export type DrillConfigInput = z.input<typeof ConfigSchema>;
export type DrillConfig = z.output<typeof ConfigSchema>;
