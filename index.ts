/**
 * The library surface: what `drill.config.ts` and programmatic users import. Each run
 * takes one options object, writes its run directory (run.json, reports, NDJSON streams)
 * and returns its typed record; none prints or exits. Bad input throws a UsageError.
 */
export { defineConfig } from './config/define.ts';
export type { DrillConfigInput, DrillConfig } from './config/schema.ts';
export { loadConfig, parseConfig, resolvedConfig, type LoadedConfig } from './config/load.ts';

export { runStress, type StressInput } from './runs/stress.ts';
export { runCapacity, type CapacityInput } from './runs/capacity.ts';
export { runWatch, type WatchInput } from './runs/watch.ts';
export { validateCutover, type ValidateInput } from './runs/validate.ts';
export { runRestoreDrill, type RestoreDrillInput, type RestoreMethod } from './runs/restore-drill.ts';
export { compareRuns, type GateInput } from './runs/gate.ts';
export { liveGate, type LiveGateInput } from './runs/live-gate.ts';
export { runDemo, type DemoOptions, type DemoStep } from './runs/demo.ts';
export type { RunInputs, LoadInputs, LogsInput, ScenarioOption } from './runs/inputs.ts';
export { ENGINE_NAMES, type EngineName } from './runs/stress-plan.ts';
export { PROFILE_NAMES, type ProfileName } from './scenarios/profiles.ts';

// Two databases compared, schema catalogue and every row: what db.schema_parity and
// db.content_parity run, as data, for any check of one database against another.
export { compareDatabases, type CompareOptions, type DatabaseComparison } from './validation/db/compare.ts';
export { compareSchemas, type SchemaComparison, type SchemaCompareOptions } from './validation/db/schema-compare.ts';
export { compareContent, type ContentComparison, type ContentOptions, type TableContent } from './validation/db/content-compare.ts';
export type { SchemaDifference } from './validation/db/catalogue/diff.ts';
export { SameDatabaseError, type DatabaseIdentity } from './validation/db/identity.ts';

export { readRecord, rebuildFromStreams } from './record/read.ts';
export { parseRecord, SCHEMA_VERSION } from './record/run-record.ts';
export type {
  RunRecord,
  StressRecord,
  WatchRecord,
  ValidateRecord,
  GateRecord,
  RestoreDrillRecord,
  CapacityRecord,
  CheckResult,
  AlertResult,
  RunKind,
  Verdict,
} from './record/run-record.ts';
export type { RouteSummary, LatencySummary, LoadSummary, IntervalSummary } from './record/load.ts';
export type { CapacityResults, CapacityStep } from './record/results.ts';
export type { HealthSample, QueueSnapshot } from './record/health.ts';

export { DrillError, UsageError, CannotRunError } from './core/errors.ts';
export { ExitCode } from './core/exit-codes.ts';
export { startSandbox, type Sandbox } from './sandbox/index.ts';
