import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { RunRecord, decideVerdict } from '../../record/run-record.ts';
import type { RestoreDrillResults } from '../../record/results.ts';
import { renderJunit } from '../../reports/junit.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { restoreReadiness } from '../../validation/checks/restore.ts';
import type { ValidateContext } from '../../validation/context.ts';
import { parseDrift, parityVerdict, restoreChecks } from '../../validation/restore/judge.ts';
import { appendDrill, readReadiness, recordedDrills, type RecordedDrill } from '../../validation/restore/readiness-file.ts';
import { WRITE_TIME_COLUMN } from '../../validation/restore/rpo.ts';
import { toolTarget } from '../../validation/restore/pg-tools.ts';

const DAY = 86_400_000;
const tmp = () => mkdtempSync(path.join(tmpdir(), 'drill-restore-unit-'));

const drill = (daysAgo: number, verdict = 'pass', parity = verdict): RecordedDrill => ({
  date: new Date(Date.now() - daysAgo * DAY).toISOString(),
  by: 'dana',
  kind: 'restore-drill',
  mode: 'from-database',
  verdict,
  parity,
  rto_seconds: 12.5,
  dump_seconds: 4,
  restore_seconds: 8.5,
  rpo_seconds: 30,
  run_dir: 'reports/runs/x',
});

const HEAD = '# kept comment\nbackups_enabled: true\nretention: 7 days\nrestore_owner: Dana Ops\n';

async function readiness(text: string, file = 'r.yml') {
  const full = path.join(tmp(), file);
  writeFileSync(full, text);
  const config = parseConfig({});
  const ctx = { config, readinessFile: full, now: Date.now } as unknown as ValidateContext;
  return { file: full, result: await restoreReadiness.run(ctx) };
}

describe('restore.readiness judges the last passing recorded drill', () => {
  it('a passing drill from last month passes', async () => {
    const { file } = await readiness(HEAD);
    appendDrill(file, drill(30));
    const config = parseConfig({});
    const result = await restoreReadiness.run({ config, readinessFile: file, now: Date.now } as unknown as ValidateContext);
    expect(result).toMatchObject({ status: 'pass', summary: expect.stringContaining('last passing restore drill 30 days ago'), evidence: { recordedDrills: 1, lastPassingBy: 'dana' } });
    // The operator's own lines survive the append.
    expect(readFileSync(file, 'utf8')).toContain('# kept comment');
  });

  it('a passing drill older than restoreDrillMaxAgeDays fails, even with a failed one since', async () => {
    const { result } = await readiness(`${HEAD}drills:\n${[drill(120), drill(10, 'fail')].map((d) => `  - ${JSON.stringify(d)}`).join('\n')}\n`);
    expect(result).toMatchObject({ status: 'fail', summary: expect.stringContaining('the last passing restore drill is 120 days old (at most 92)') });
  });

  it('only failed drills fail, naming the latest and its parity', async () => {
    const { result } = await readiness(`${HEAD}drills:\n  - ${JSON.stringify(drill(3, 'fail', 'fail'))}\n`);
    expect(result).toMatchObject({ status: 'fail', summary: expect.stringMatching(/no passing restore drill recorded: the latest, on \d{4}-\d{2}-\d{2}, was fail \(parity fail\)/) });
  });

  it('a drill that passed without parity (no source to compare) does not count', async () => {
    const { result } = await readiness(`${HEAD}drills:\n  - ${JSON.stringify(drill(3, 'pass', 'skipped'))}\n`);
    expect(result.status).toBe('fail');
  });

  it('a typed-in date with no drill record warns; a stale typed date fails; nothing at all fails', async () => {
    const recent = new Date(Date.now() - 20 * DAY).toISOString().slice(0, 10);
    expect((await readiness(`${HEAD}last_restore_drill: ${recent}\n`)).result).toMatchObject({ status: 'warn', summary: expect.stringContaining('was typed in, with no drill record') });
    expect((await readiness(`${HEAD}drills:\n  - date: ${recent}\n    by: someone\n`)).result.status).toBe('warn');
    const stale = new Date(Date.now() - 200 * DAY).toISOString().slice(0, 10);
    expect((await readiness(`${HEAD}last_restore_drill: ${stale}\n`)).result).toMatchObject({ status: 'fail', summary: expect.stringContaining('200 days old') });
    expect((await readiness(HEAD)).result).toMatchObject({ status: 'fail', summary: expect.stringContaining('no restore drill recorded: run drill restore-drill --readiness') });
  });

  it('a warn does not fail a validate run; a fail does', () => {
    expect(decideVerdict({ checks: [{ id: 'restore.readiness', status: 'warn', strict: true, summary: 'typed' }], alerts: [] }).verdict).toBe('pass');
    expect(decideVerdict({ checks: [{ id: 'restore.readiness', status: 'fail', strict: true, summary: 'old' }], alerts: [] }).verdict).toBe('fail');
  });
});

describe('the readiness file', () => {
  it('a missing file is created with the drill; JSON stays JSON; a drills key that is not a list is refused naming the fix', () => {
    const dir = tmp();
    const yml = path.join(dir, 'new.yml');
    appendDrill(yml, drill(0));
    appendDrill(yml, drill(0, 'fail'));
    expect(recordedDrills(readReadiness(yml)).map((d) => d.verdict)).toEqual(['pass', 'fail']);
    const json = path.join(dir, 'r.json');
    writeFileSync(json, JSON.stringify({ backups_enabled: true }));
    appendDrill(json, drill(1));
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ backups_enabled: true, drills: [{ verdict: 'pass', rto_seconds: 12.5 }] });
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'drills: yesterday\n');
    expect(() => appendDrill(bad, drill(0))).toThrow(/drills is not a list; make it one/);
  });
});

const passing: RestoreDrillResults = {
  mode: 'from-database',
  source: { database: 'src', host: 'h' },
  restored: { database: 'scr', host: 'h' },
  dump: { status: 'pass', startedAt: '2026-12-01T00:00:00.000Z', durationMs: 4000, error: null, file: '/d', format: 'custom', bytes: 1_048_576 },
  restore: { status: 'pass', startedAt: '2026-12-01T00:00:04.000Z', durationMs: 8000, error: null, tool: 'pg_restore' },
  rto: { dumpMs: 4000, restoreMs: 8000, totalMs: 12_000, maxMs: null },
  rpo: { dataAsOf: '2026-12-01T00:00:00.000Z', basis: 'dump time', newestRow: null, rpoMs: 15_000, maxMs: null },
  parity: { status: 'pass', startedAt: null, durationMs: 1000, error: null, schemaDifferences: 0, firstDifferences: [], tables: 3, tablesDiffering: [], tablesErrored: [], differingKeys: 0, allowedDrift: 0, rows: 100 },
  smoke: null,
  readiness: null,
};

describe('restore drill checks', () => {
  it('a whole drill passes, with RTO split into dump and restore', () => {
    const checks = restoreChecks(passing);
    expect(checks.filter((c) => c.status !== 'pass' && c.status !== 'skip')).toEqual([]);
    expect(checks.find((c) => c.id === 'restore.rto')!.summary).toBe('RTO 12s (dump 4s + restore 8s)');
    expect(parityVerdict(checks)).toBe('pass');
  });

  it('an RTO or RPO over its target fails', () => {
    const checks = restoreChecks({ ...passing, rto: { ...passing.rto!, maxMs: 10_000 }, rpo: { ...passing.rpo!, maxMs: 10_000 } });
    expect(checks.find((c) => c.id === 'restore.rto')).toMatchObject({ status: 'fail', summary: expect.stringContaining('at most 10s') });
    expect(checks.find((c) => c.id === 'restore.rpo')).toMatchObject({ status: 'fail' });
  });

  it('a restore that errored keeps the dump figures, errors, and leaves parity skipped', () => {
    const r: RestoreDrillResults = { ...passing, restore: { ...passing.restore!, status: 'error', error: 'pg_restore exited with 1: ERROR: relation "lookup" does not exist' }, rto: { dumpMs: 4000, restoreMs: 8000, totalMs: null, maxMs: null }, parity: { ...passing.parity!, status: 'skip' } };
    const checks = restoreChecks(r);
    expect(checks.find((c) => c.id === 'restore.dump')!.status).toBe('pass');
    expect(checks.find((c) => c.id === 'restore.restore')).toMatchObject({ status: 'error', summary: expect.stringContaining('relation "lookup" does not exist') });
    expect(decideVerdict({ checks: checks.map((c) => ({ strict: true, ...c })), alerts: [] }).verdict).toBe('fail');
    expect(parityVerdict(checks)).toBe('skipped');
    // The record and its renderings carry every figure measured before the error.
    const record = RunRecord.parse({ schemaVersion: 2, kind: 'restore-drill', tool: { name: 'drill', version: '0' }, startedAt: '2026-12-01T00:00:00Z', endedAt: '2026-12-01T00:00:13Z', target: null, verdict: 'fail', reasons: [], checks, config: {}, environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 }, results: r });
    expect(renderMarkdown(record)).toMatch(/\| dump \| pass, 4s, 1,048,576 bytes/);
    expect(renderMarkdown(record)).toContain('restore errored after 8s');
    expect(renderJunit(record)).toContain('restore.restore');
  });

  it('differing keys within --max-drift pass; beyond it fail', () => {
    const drifted = (n: number, allowed: number) => restoreChecks({ ...passing, parity: { ...passing.parity!, differingKeys: n, allowedDrift: allowed, tablesDiffering: ['public.items'] } }).find((c) => c.id === 'restore.content_parity')!;
    expect(drifted(3, 5)).toMatchObject({ status: 'pass', summary: expect.stringContaining('3 keys written after the dump, within the allowed drift of 5') });
    expect(drifted(6, 5)).toMatchObject({ status: 'fail', summary: expect.stringContaining('6 keys differ from the source in public.items (allowed drift 5)') });
  });
});

describe('drill restore-drill inputs', () => {
  it('--max-drift takes a key count or a percentage, nothing else', () => {
    expect(parseDrift(undefined)).toEqual({ keys: 0 });
    expect(parseDrift('100')).toEqual({ keys: 100 });
    expect(parseDrift('0.5%')).toEqual({ percent: 0.5 });
    for (const bad of ['abc', '-1', '1.5', '150%']) expect(parseDrift(bad), bad).toBeNull();
  });

  it('write-time columns are recognised by name; planned times are not', () => {
    for (const name of ['created_at', 'updated_at', 'inserted_at', 'modified_on', 'createdAt', 'updatedat', 'last_modified', 'created']) expect(WRITE_TIME_COLUMN.test(name), name).toBe(true);
    for (const name of ['scheduled_at', 'expires_at', 'run_at', 'birthday', 'locked_at']) expect(WRITE_TIME_COLUMN.test(name), name).toBe(false);
  });

  it('a password goes to the tools in PGPASSWORD, never on their command line', () => {
    const t = toolTarget('postgres://admin:s3cr%40t-pw@db.example:5432/app?sslmode=require', {});
    expect(t.url).not.toContain('s3cr');
    expect(t.url).toContain('sslmode=require');
    expect(t.env.PGPASSWORD).toBe('s3cr@t-pw');
  });
});
