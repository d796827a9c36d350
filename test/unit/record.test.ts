import { chmodSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CannotRunError, UsageError } from '../../core/errors.ts';
import { secrets } from '../../core/secrets.ts';
import { parseConfig } from '../../config/load.ts';
import { readRecord } from '../../record/read.ts';
import { RunRecord, SCHEMA_VERSION, decideVerdict, parseRecord, stressResultsOf, type ResultsInputOf, type RunRecordInput } from '../../record/run-record.ts';
import { gateRun } from '../../runs/gate.ts';
import { finishRecord } from '../../runs/record-base.ts';
import { runCli } from '../helpers/cli.ts';
import { ROUTES, stressRecord } from '../helpers/synthetic-run.ts';
import { readStream } from '../../record/streams.ts';
import { RunDir, defaultRunDir } from '../../record/run-dir.ts';
import { writeRecord } from '../../reports/write.ts';

const base: RunRecordInput = {
  schemaVersion: 1,
  kind: 'watch',
  tool: { name: 'drill', version: '0.1.0' },
  startedAt: '2026-11-29T10:00:00.000Z',
  endedAt: '2026-11-29T10:05:00.000Z',
  target: 'http://127.0.0.1:3999',
  verdict: 'pass',
  config: {},
  environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 },
};

describe('run record schema', () => {
  it('accepts a minimal record and fills defaults', () => {
    const record = RunRecord.parse(base);
    expect(record).toMatchObject({ checks: [], alerts: [], reasons: [], interrupted: null, streams: {} });
  });

  it('accepts checks and alerts with every public status and state', () => {
    const record = RunRecord.parse({
      ...base,
      checks: ['pass', 'fail', 'warn', 'skip', 'error'].map((status, i) => ({ id: `c${i}`, status, summary: status })),
      alerts: ['inactive', 'pending', 'firing', 'resolved'].map((state, i) => ({ id: `a${i}`, state, firedAt: null })),
    });
    expect(record.checks[0]!.strict).toBe(true);
    expect(record.alerts).toHaveLength(4);
  });

  it.each([
    ['an unknown verdict', { verdict: 'maybe' }],
    ['an unknown check status', { checks: [{ id: 'x', status: 'ok', summary: '' }] }],
    ['an unknown alert state', { alerts: [{ id: 'x', state: 'on' }] }],
    ['a time without offset', { startedAt: '2026-11-29 10:00' }],
    ['a missing kind', { kind: undefined }],
  ])('refuses %s', (_, patch) => {
    expect(RunRecord.safeParse({ ...base, ...patch }).success).toBe(false);
  });
});

describe('record versions and typed results', () => {
  const round = (input: RunRecordInput) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-round-'));
    const written = writeRecord(RunDir.create(dir), input);
    return { written, read: readRecord(dir) };
  };
  const finish = <K extends 'stress' | 'watch' | 'validate' | 'gate'>(kind: K, results: ResultsInputOf<K>) =>
    finishRecord({ kind, target: 'http://127.0.0.1:3999', startedAt: 0, endedAt: 1000, config: {}, signal: new AbortController().signal, checks: [], alerts: [], streams: {}, results });

  it('a record of every kind this version writes reads back equal, with its results typed by kind', () => {
    const stress = stressRecord(1);
    const records = [
      { ...stress, schemaVersion: SCHEMA_VERSION },
      finish('watch', { plannedDurationMs: 60_000, samples: { count: 3, failed: 0, lagMs: { count: 3, p50: 0, p90: 1, p99: 1, max: 1 }, latencyMs: { count: 3, p50: 2, p90: 3, p99: 3, max: 3 } } }),
      finish('validate', { windowMs: 120_000, wallMs: 130_000, inputs: { database: true }, managementApiCalls: [{ path: '/v1/projects/abc', status: 200 }] }),
      gateRun(RunRecord.parse(stress), RunRecord.parse(stressRecord(1.05)), parseConfig({}), { baseline: 'b', current: 'c' }, new AbortController().signal),
    ];
    for (const input of records) {
      const { written, read } = round(input);
      expect(read).toEqual(written);
      expect(read.schemaVersion).toBe(SCHEMA_VERSION);
    }
    const stressRead = round({ ...stress, schemaVersion: SCHEMA_VERSION }).read;
    expect(stressResultsOf(stressRead)?.load?.routes[ROUTES[0]!]?.latencyMs?.p95).toBe(100);
  });

  it('a version-1 record (written before results were typed) still reads', () => {
    expect(round({ ...stressRecord(1), schemaVersion: 1 }).read.kind).toBe('stress');
  });

  it('results that do not match their kind are refused, naming the field', () => {
    const bad = { ...stressRecord(1), results: { load: { overall: { requests: 'many' }, routes: {} } } };
    expect(() => parseRecord(bad, 'run.json')).toThrow(/run\.json is not a drill run record \(results\.load\.overall\.requests: /);
  });

  it('a record from a newer drill is a clear exit-2 error, from the library and from drill report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-newer-'));
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...base, schemaVersion: SCHEMA_VERSION + 1 }));
    expect(() => readRecord(dir)).toThrow(UsageError);
    const { code, stderr } = await runCli(['report', dir]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `drill: ${path.join(dir, 'run.json')} was written by a newer drill (record schema version ${SCHEMA_VERSION + 1}; this drill reads up to ${SCHEMA_VERSION}); upgrade drill to read it`,
    );
  });
});

describe('decideVerdict', () => {
  const check = (status: 'pass' | 'fail' | 'warn' | 'skip' | 'error', strict = true) => ({ id: `x.${status}`, status, strict, summary: 's' });
  it('passes with passing, warning and skipped checks and quiet alerts', () => {
    expect(decideVerdict({ checks: [check('pass'), check('warn'), check('skip')], alerts: [{ id: 'a', state: 'inactive' }] })).toEqual({
      verdict: 'pass',
      reasons: [],
    });
  });
  it('fails on a strict fail, and on an error (never a pass)', () => {
    expect(decideVerdict({ checks: [check('fail')], alerts: [] }).verdict).toBe('fail');
    const { verdict, reasons } = decideVerdict({ checks: [check('error')], alerts: [] });
    expect(verdict).toBe('fail');
    expect(reasons[0]).toMatch(/could not run/);
  });
  it('an advisory failure does not fail the run', () => {
    expect(decideVerdict({ checks: [check('fail', false)], alerts: [] }).verdict).toBe('pass');
  });
  it('fails when an alert fired, even if it resolved', () => {
    expect(decideVerdict({ checks: [], alerts: [{ id: 'dead_letter_nonzero', state: 'firing' }] }).reasons).toEqual([
      'alert dead_letter_nonzero is firing',
    ]);
    expect(decideVerdict({ checks: [], alerts: [{ id: 'health_degraded', state: 'resolved', firedAt: base.startedAt }] }).verdict).toBe('fail');
    expect(decideVerdict({ checks: [], alerts: [{ id: 'health_degraded', state: 'pending' }] }).verdict).toBe('pass');
  });
  it('an invalid generator makes the run invalid, not failed', () => {
    expect(decideVerdict({ checks: [check('fail')], alerts: [], invalidReasons: ['load generator saturated'] })).toEqual({
      verdict: 'invalid',
      reasons: ['load generator saturated', 'x.fail failed: s'],
    });
  });
});

describe('run directory', () => {
  it('writes run.json and report.md, with secrets redacted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-run-'));
    const runDir = RunDir.create(dir);
    secrets.add('sentinel-secret-7f3a');
    const record = writeRecord(runDir, {
      ...base,
      verdict: 'fail',
      reasons: ['db.reachable failed: connect to postgres://app:sentinel-secret-7f3a@db:5432/x refused'],
      checks: [{ id: 'db.reachable', status: 'fail', summary: 'refused with sentinel-secret-7f3a' }],
      config: { note: 'sentinel-secret-7f3a' },
    });
    const json = readFileSync(path.join(dir, 'run.json'), 'utf8');
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(JSON.parse(json).verdict).toBe('fail');
    expect(record.checks[0]!.summary).toBe('refused with [redacted]');
    for (const text of [json, md]) expect(text).not.toContain('sentinel-secret-7f3a');
    expect(md).toContain('# drill watch: FAIL');
    expect(md).toContain('| FAIL | `db.reachable` |');
  });

  it('appends NDJSON samples as they arrive, line by line', () => {
    const runDir = RunDir.create(mkdtempSync(path.join(tmpdir(), 'drill-run-')));
    const stream = runDir.stream('notes.ndjson');
    stream.write({ t: '2026-11-29T10:00:00.000Z', note: 'one' });
    // Readable before close: a crash here would still leave the first line.
    expect(readFileSync(stream.file, 'utf8')).toBe('{"t":"2026-11-29T10:00:00.000Z","note":"one"}\n');
    stream.write({ t: '2026-11-29T10:00:01.000Z', note: 'two' });
    runDir.closeStreams();
    expect(readStream(runDir.dir, 'notes').lines.map((l) => l.note)).toEqual(['one', 'two']);
  });

  it('an unwritable directory is exit 3 naming the path', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'drill-ro-'));
    chmodSync(parent, 0o500);
    const target = path.join(parent, 'run');
    let error: unknown;
    try {
      RunDir.create(target);
    } catch (e) {
      error = e;
    }
    chmodSync(parent, 0o700);
    // root ignores directory permissions; a file in the way fails for everyone.
    if (!error) {
      const file = path.join(parent, 'file');
      writeFileSync(file, 'x');
      try {
        RunDir.create(path.join(file, 'run'));
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(CannotRunError);
    expect((error as CannotRunError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/--out: cannot (write to|create) /);
  });

  it('names default run directories by time and kind, uniquely', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'drill-runs-'));
    const now = new Date('2026-11-29T10:00:00.123Z');
    const first = defaultRunDir(root, 'stress', now);
    expect(path.basename(first)).toBe('2026-11-29T10-00-00Z-stress');
    RunDir.create(first);
    expect(existsSync(first)).toBe(true);
    expect(path.basename(defaultRunDir(root, 'stress', now))).toBe('2026-11-29T10-00-00Z-stress-2');
  });
});
