import type { DrillConfigInput } from './schema.ts';

/** Typed identity for `drill.config.ts`: editors check the shape, `drill` validates it. */
export function defineConfig(config: DrillConfigInput): DrillConfigInput {
  return config;
}
