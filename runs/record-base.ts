import os from 'node:os';
import { VERSION } from '../core/version.ts';
import type { RunKind, RunRecordInput } from '../reports/record.ts';

/** The fields every run record shares; the config is redacted when the record is written. */
export function recordBase(kind: RunKind, target: string | null, startedAt: number, config: unknown): Omit<RunRecordInput, 'verdict' | 'endedAt'> {
  return {
    schemaVersion: 1,
    kind,
    tool: { name: 'drill', version: VERSION },
    startedAt: new Date(startedAt).toISOString(),
    target,
    config,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
  };
}
