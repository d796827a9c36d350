import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../core/errors.ts';
import { RUN_KINDS, SCHEMA_VERSION, parseRecord, type AlertResult, type RunKind, type RunRecord } from './run-record.ts';
import { loadFromIntervals } from './rebuild-load.ts';
import { STREAMS, readStream } from './streams.ts';

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
  return parseRecord(json, file);
}

/**
 * Rebuilds a record from the NDJSON streams alone, for a run that died before writing
 * run.json (a crash, kill -9, a lost machine). It can never pass: no verdict was recorded.
 */
export function rebuildFromStreams(dir: string): RunRecord {
  const samples = readStream(dir, 'samples').lines;
  const intervals = readStream(dir, 'intervals').lines;
  const transitions = readStream(dir, 'alerts').lines;
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
  const suffix = /-(stress|watch|validate|gate|demo|capacity)(-\d+)?$/.exec(path.basename(dir))?.[1];
  const kind: RunKind = (RUN_KINDS as readonly string[]).includes(suffix ?? '') ? (suffix as RunKind) : intervals.length ? 'stress' : 'watch';
  const reason = 'rebuilt from the NDJSON streams: the run ended before writing run.json, so no verdict was recorded';
  // The load table survives the crash: counts add exactly, latencies merge from the histograms.
  const rebuilt = kind === 'stress' ? loadFromIntervals(intervals) : null;
  const streams = Object.fromEntries(
    (['samples', 'intervals', 'alerts'] as const).filter((name) => existsSync(path.join(dir, STREAMS[name].file))).map((name) => [name, STREAMS[name].file]),
  );
  return parseRecord(
    {
      schemaVersion: SCHEMA_VERSION,
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
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
      streams,
      results: rebuilt
        ? { rebuiltFromStreams: true, load: rebuilt.load, engineNotes: rebuilt.exact ? [] : ['rebuilt from per-second summaries without histograms: percentiles are the worst second\'s, an upper bound'] }
        : { rebuiltFromStreams: true },
    },
    `the record rebuilt from ${dir}`,
  );
}
