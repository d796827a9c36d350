/** The library surface: what `drill.config.ts` and programmatic users import. */
export { defineConfig } from './core/config/define.ts';
export type { DrillConfigInput, DrillConfig } from './core/config/schema.ts';
export { loadConfig, parseConfig } from './core/config/load.ts';
export { startSandbox, type Sandbox } from './sandbox/index.ts';
export type { RunRecord, CheckResult, AlertResult } from './reports/record.ts';
