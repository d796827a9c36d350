import type { RecordInputOf, RecordOf, RunKind } from '../record/run-record.ts';
import { RunDir } from '../record/run-dir.ts';
import { writeRecord } from '../reports/write.ts';

/**
 * Creates the run directory, runs `fn` with it, then writes run.json and every rendering.
 * The record is written whatever the verdict, and also when a signal cut the run short;
 * streams are closed even when `fn` throws, so every sample taken is on disk.
 */
export async function writeRun<K extends RunKind>(
  kind: K,
  dir: string,
  env: NodeJS.ProcessEnv,
  fn: (runDir: RunDir) => Promise<RecordInputOf<K>>,
): Promise<RecordOf<K>> {
  const runDir = RunDir.create(dir);
  try {
    const input = await fn(runDir);
    // The build under test, when CI says which: drill trend names where a regression began.
    const commit = env.DRILL_COMMIT || env.GITHUB_SHA;
    if (commit) input.environment = { ...input.environment, commit };
    const record = writeRecord(runDir, input, env);
    if (record.kind !== kind) throw new Error(`internal: a ${kind} run returned a ${record.kind} record`);
    return record as RecordOf<K>;
  } finally {
    runDir.closeStreams();
  }
}
