import { formatDuration } from '../../core/duration.ts';
import type { CheckResultInput } from '../../record/run-record.ts';
import type { RestoreDrillResults } from '../../record/results.ts';
import type { DatabaseComparison } from '../db/compare.ts';

type Results = RestoreDrillResults;
type Parity = NonNullable<Results['parity']>;

/** `--max-drift`: a number of keys, or a percentage of the source's rows ("0.5%"). */
export type DriftAllowance = { keys: number } | { percent: number };

export function parseDrift(value: string | number | undefined): DriftAllowance | null {
  if (value === undefined) return { keys: 0 };
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? { keys: value } : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2]) return n <= 100 ? { percent: n } : null;
  return Number.isInteger(n) ? { keys: n } : null;
}

/**
 * The comparison of the restored database with its source, reduced to figures. Keys that
 * differ are rows written (or deleted) in the source after the dump, when the source is
 * live: up to the allowance they are the RPO window's drift, beyond it data the restore
 * lost. A table that could not be compared, or is missing, is never drift.
 */
export function parityFigures(comparison: DatabaseComparison, drift: DriftAllowance, timing: { startedAt: string; durationMs: number }): Parity {
  const fails = comparison.schema.differences.filter((d) => d.severity === 'fail');
  const differing = comparison.content.tables.filter((t) => t.status === 'differs');
  const errored = comparison.content.tables.filter((t) => t.status === 'error');
  const rows = comparison.content.tables.reduce((n, t) => n + t.rows.old, 0);
  // A table without a key is one hash: the row count difference (at least one) stands for its keys.
  const keys = differing.reduce((n, t) => n + (t.differing ?? Math.max(1, Math.abs(t.rows.old - t.rows.new))), 0);
  const allowed = 'keys' in drift ? drift.keys : Math.floor((rows * drift.percent) / 100);
  const status = errored.length ? 'error' : fails.length || keys > allowed ? 'fail' : 'pass';
  return {
    status,
    startedAt: timing.startedAt,
    durationMs: timing.durationMs,
    error: errored.length ? errored.slice(0, 3).map((t) => `${t.table}: ${t.error}`).join('; ') : null,
    schemaDifferences: fails.length,
    firstDifferences: fails.slice(0, 10).map((d) => ({ kind: d.kind, object: d.object, change: d.change, ...(d.field ? { field: d.field } : {}) })),
    tables: comparison.content.tables.length,
    tablesDiffering: differing.map((t) => t.table),
    tablesErrored: errored.map((t) => t.table),
    differingKeys: keys,
    allowedDrift: allowed,
    rows,
  };
}

const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'unknown' : formatDuration(Math.round(ms)));

/** Every figure of a drill as checks: each stage passes, fails, could not run (error) or was not part of this drill (skip). */
export function restoreChecks(r: Results): CheckResultInput[] {
  const checks: CheckResultInput[] = [];
  const stage = (id: string, title: string, s: { status: string; error: string | null } | null | undefined, pass: string, skip: string, evidence: Record<string, unknown> = {}) => {
    if (!s || s.status === 'skip') checks.push({ id, title, status: 'skip', summary: skip, evidence });
    else if (s.status === 'error') checks.push({ id, title, status: 'error', summary: s.error ?? 'failed', evidence });
    else checks.push({ id, title, status: s.status === 'pass' ? 'pass' : 'fail', summary: s.status === 'pass' ? pass : (s.error ?? 'failed'), evidence });
  };
  const dump = r.dump;
  stage('restore.dump', 'The source was dumped', dump, `dumped in ${secs(dump?.durationMs)}${dump?.bytes ? ` (${(dump.bytes / 1_048_576).toFixed(1)} MiB, ${dump.format} format)` : ''}`, r.mode === 'from-dump' ? 'a dump file was given' : 'the restore was made elsewhere (--restored-url)', { file: dump?.file ?? null, bytes: dump?.bytes ?? null });
  const restore = r.restore;
  stage('restore.restore', 'The dump restored without an error', restore, `restored in ${secs(restore?.durationMs)} with ${restore?.tool ?? 'the restore tool'}`, r.mode === 'restored-url' ? 'the restore was made elsewhere (--restored-url)' : 'the dump did not finish, so nothing was restored');

  const rto = r.rto;
  if (!rto || rto.totalMs === null) checks.push({ id: 'restore.rto', title: 'Restore time (RTO)', status: 'skip', summary: r.mode === 'restored-url' ? 'not measured: the restore was made elsewhere' : 'not measured: the restore did not finish' });
  else {
    const split = `${rto.dumpMs !== null ? `dump ${secs(rto.dumpMs)} + ` : ''}restore ${secs(rto.restoreMs)}`;
    const over = rto.maxMs !== null && rto.totalMs > rto.maxMs;
    checks.push({ id: 'restore.rto', title: 'Restore time (RTO)', status: over ? 'fail' : 'pass', summary: `RTO ${secs(rto.totalMs)} (${split})${rto.maxMs !== null ? `; at most ${secs(rto.maxMs)}` : ''}`, evidence: { ...rto } });
  }

  const rpo = r.rpo;
  if (!rpo || rpo.rpoMs === null) {
    // Not knowing how old the data is does not make the restore wrong: advisory.
    checks.push({ id: 'restore.rpo', title: 'Data age (RPO)', strict: rpo?.maxMs !== null && rpo?.maxMs !== undefined, status: rpo?.maxMs ? 'fail' : 'warn', summary: 'no dump time, and no created_at/updated_at-style column to date the newest row: the RPO is unknown' });
  } else {
    const over = rpo.maxMs !== null && rpo.rpoMs > rpo.maxMs;
    const basis = rpo.basis === 'newest row' && rpo.newestRow ? `newest row ${rpo.newestRow.table}.${rpo.newestRow.column}` : rpo.basis;
    checks.push({ id: 'restore.rpo', title: 'Data age (RPO)', status: over ? 'fail' : 'pass', summary: `RPO ${secs(rpo.rpoMs)}: data as of ${rpo.dataAsOf} (${basis})${rpo.maxMs !== null ? `; at most ${secs(rpo.maxMs)}` : ''}`, evidence: { ...rpo } });
  }

  const p = r.parity;
  if (!p || p.status === 'skip') {
    const why = p?.error ?? (r.restore?.status === 'pass' || r.mode === 'restored-url' ? 'no source database to compare with: give --from-database or SOURCE_DATABASE_URL' : 'nothing restored to compare');
    checks.push({ id: 'restore.schema_parity', title: 'Restored schema matches the source', status: 'skip', summary: why });
    checks.push({ id: 'restore.content_parity', title: 'Restored rows match the source', status: 'skip', summary: why });
  } else if (p.schemaDifferences === null) {
    checks.push({ id: 'restore.schema_parity', title: 'Restored schema matches the source', status: 'error', summary: p.error ?? 'the comparison failed' });
    checks.push({ id: 'restore.content_parity', title: 'Restored rows match the source', status: 'error', summary: p.error ?? 'the comparison failed' });
  } else {
    const list = p.firstDifferences.slice(0, 5).map((d) => `${String(d.change ?? '')} ${d.kind} ${d.object}${d.field ? ` (${d.field})` : ''}`.trim()).join('; ');
    checks.push({
      id: 'restore.schema_parity',
      title: 'Restored schema matches the source',
      status: p.schemaDifferences ? 'fail' : 'pass',
      summary: p.schemaDifferences ? `${p.schemaDifferences} schema ${p.schemaDifferences === 1 ? 'difference' : 'differences'} from the source: ${list}` : 'the schema catalogue matches the source',
      evidence: { differences: p.schemaDifferences, first: p.firstDifferences },
    });
    const evidence = { tables: p.tables, rows: p.rows, differingKeys: p.differingKeys, allowedDrift: p.allowedDrift, differing: p.tablesDiffering, errored: p.tablesErrored };
    if (p.tablesErrored.length) checks.push({ id: 'restore.content_parity', title: 'Restored rows match the source', status: 'error', summary: `could not compare ${p.tablesErrored.length} tables: ${p.error}`, evidence });
    else if ((p.differingKeys ?? 0) > p.allowedDrift) {
      checks.push({ id: 'restore.content_parity', title: 'Restored rows match the source', status: 'fail', summary: `${p.differingKeys} keys differ from the source in ${p.tablesDiffering.slice(0, 5).join(', ')} (allowed drift ${p.allowedDrift}): rows the restore lost, or writes after the dump beyond --max-drift`, evidence });
    } else {
      const drifted = p.differingKeys ? `; ${p.differingKeys} keys written after the dump, within the allowed drift of ${p.allowedDrift}` : '';
      checks.push({ id: 'restore.content_parity', title: 'Restored rows match the source', status: 'pass', summary: `${p.tables} tables, ${p.rows?.toLocaleString('en-US')} rows compared by key${drifted}`, evidence });
    }
  }

  const smoke = r.smoke;
  stage('restore.app_smoke', 'The app runs on the restored database', smoke, `${smoke?.via === 'sandbox' ? 'a sandbox on the restored database' : (smoke?.url ?? 'the app')}: ${smoke && 'summary' in smoke ? String(smoke.summary) : 'healthy'}`, smoke?.error ?? 'no app to smoke: give --app-url of an app pointed at the restored database', { via: smoke?.via ?? null, queue: smoke?.queue ?? null });
  return checks;
}

/** The parity verdict the readiness file records: pass only when both comparisons passed. */
export function parityVerdict(checks: readonly CheckResultInput[]): 'pass' | 'fail' | 'error' | 'skipped' {
  const statuses = checks.filter((c) => c.id === 'restore.schema_parity' || c.id === 'restore.content_parity').map((c) => c.status);
  if (statuses.includes('error')) return 'error';
  if (statuses.includes('fail')) return 'fail';
  if (statuses.length && statuses.every((s) => s === 'pass')) return 'pass';
  return 'skipped';
}
