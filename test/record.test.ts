import { chmodSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CannotRunError } from '../core/errors.ts';
import { secrets } from '../core/secrets.ts';
import { RunRecord, decideVerdict, type RunRecordInput } from '../reports/record.ts';
import { RunDir, defaultRunDir } from '../reports/run-dir.ts';
import { writeRecord } from '../reports/write.ts';

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
    const stream = runDir.stream('samples.ndjson');
    stream.write({ n: 1 });
    // Readable before close: a crash here would still leave the first sample.
    expect(readFileSync(stream.file, 'utf8')).toBe('{"n":1}\n');
    stream.write({ n: 2 });
    runDir.closeStreams();
    expect(readFileSync(stream.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).n)).toEqual([1, 2]);
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
    expect((error as Error).message).toMatch(/--out: cannot write to/);
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
