import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.ts';
import { RunRecord, RUN_KINDS, type AlertResult, type RunKind } from './record.ts';
import { readNdjson } from './series.ts';

/** A run directory, or the path of its run.json. */
export function runDirOf(cwd: string, run: string): string {
  const full = path.resolve(cwd, run);
  if (!existsSync(full)) throw new UsageError(`no such run: ${run}; pass a run directory or its run.json`);
  return statSync(full).isDirectory() ? full : path.dirname(full);
}

export function readRecord(dir: string): RunRecord {
  const file = path.join(dir, 'run.json');
  if (!existsSync(file)) throw new UsageError(`${dir} has no run.json (the run did not finish); rebuild it with drill report ${dir}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`${file} is not valid JSON; re-render it from the streams with drill report after moving it aside`);
  }
  const result = RunRecord.safeParse(json);
  if (!result.success) throw new UsageError(`${file} is not a drill run record (${result.error.issues[0]?.message ?? 'invalid'})`);
  return result.data;
}

interface TransitionLine {
  id: string;
  at: string;
  state: AlertResult['state'];
  value?: number | null;
  reason: string;
}

/**
 * Rebuilds a record from the NDJSON streams alone, for a run that died before writing
 * run.json (a crash, kill -9, a lost machine). It can never pass: no verdict was recorded.
 */
export function rebuildFromStreams(dir: string): RunRecord {
  const samples = readNdjson<{ t: string; tMs: number }>(path.join(dir, 'samples.ndjson'));
  const intervals = readNdjson<{ t: string }>(path.join(dir, 'intervals.ndjson'));
  const transitions = readNdjson<TransitionLine>(path.join(dir, 'alerts.ndjson'));
  const times = [...samples.map((s) => s.tMs), ...intervals.map((i) => Date.parse(i.t)), ...transitions.map((t) => Date.parse(t.at))].filter(Number.isFinite);
  if (times.length === 0) throw new UsageError(`${dir} has neither run.json nor any NDJSON stream to rebuild from`);
  const alerts = new Map<string, AlertResult>();
  for (const t of transitions) {
    const alert = alerts.get(t.id) ?? { id: t.id, state: 'inactive', pendingAt: null, firedAt: null, resolvedAt: null, timeline: [] };
    alert.state = t.state;
    if (t.state === 'pending') alert.pendingAt = t.at;
    if (t.state === 'firing') alert.firedAt ??= t.at;
    if (t.state === 'resolved') alert.resolvedAt = t.at;
    alert.timeline.push({ at: t.at, state: t.state, value: t.value ?? null, reason: t.reason });
    alerts.set(t.id, alert);
  }
  const suffix = /-(stress|watch|validate|gate|demo)(-\d+)?$/.exec(path.basename(dir))?.[1];
  const kind: RunKind = (RUN_KINDS as readonly string[]).includes(suffix ?? '') ? (suffix as RunKind) : intervals.length ? 'stress' : 'watch';
  const reason = 'rebuilt from the NDJSON streams: the run ended before writing run.json, so no verdict was recorded';
  return RunRecord.parse({
    schemaVersion: 1,
    kind,
    tool: { name: 'drill', version: 'unknown' },
    startedAt: new Date(Math.min(...times)).toISOString(),
    endedAt: new Date(Math.max(...times)).toISOString(),
    target: null,
    verdict: 'fail',
    reasons: [reason],
    checks: [{ id: 'run.complete', status: 'error', summary: reason, evidence: { samples: samples.length, intervals: intervals.length, alertTransitions: transitions.length } }],
    alerts: [...alerts.values()].map((a) => ({ ...a, summary: 'replayed from alerts.ndjson' })),
    config: null,
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: 0 },
    streams: Object.fromEntries(
      [['samples', 'samples.ndjson'], ['intervals', 'intervals.ndjson'], ['alerts', 'alerts.ndjson']].filter(([, f]) => existsSync(path.join(dir, f!))),
    ),
    results: { rebuiltFromStreams: true },
  });
}
