/**
 * The restore drill at scale: `drill restore-drill --from-database` on 1,000,000 rows (the
 * content-parity bench's four tables), into a scratch database on the same local Postgres.
 * RTO split into pg_dump and pg_restore, then the parity comparison of the restore against
 * its source: the figures an operator plans a quarterly drill around.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runRestoreDrill } from '../runs/restore-drill.ts';
import { ADMIN, PARITY_TABLES, SCHEMA, drop, run, seed, url } from './parity.ts';

export interface RestoreRound {
  verdict: string;
  dumpMs: number;
  restoreMs: number;
  rtoMs: number;
  parityMs: number;
  dumpBytes: number;
  rows: number;
  tables: number;
  wallMs: number;
}

export async function benchRestore(rounds: number, onProgress: (line: string) => void = () => {}): Promise<{ rows: number; rounds: RestoreRound[] }> {
  const suffix = Date.now().toString(36);
  const source = `drill_bench_restore_src_${suffix}`;
  const scratch = `drill_bench_restore_scratch_${suffix}`;
  const total = Object.values(PARITY_TABLES).reduce((a, b) => a + b, 0);
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-bench-restore-'));
  try {
    onProgress(`seeding ${total.toLocaleString('en')} rows…`);
    await run(ADMIN, `create database ${source}`);
    await run(url(source), SCHEMA + seed(PARITY_TABLES));
    await run(url(source), 'vacuum analyze');
    await run(ADMIN, `create database ${scratch}`);
    const results: RestoreRound[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const started = performance.now();
      const record = await runRestoreDrill({
        env: {},
        fromDatabase: url(source),
        scratchUrl: url(scratch),
        replace: round > 0,
        out: path.join(dir, `round-${round + 1}`),
        config: { outDir: dir },
        sandboxSmoke: false,
      });
      const r = record.results;
      results.push({
        verdict: record.verdict,
        dumpMs: r.rto!.dumpMs!,
        restoreMs: r.rto!.restoreMs!,
        rtoMs: r.rto!.totalMs ?? NaN,
        parityMs: r.parity!.durationMs ?? NaN,
        dumpBytes: r.dump!.bytes ?? 0,
        rows: r.parity!.rows ?? 0,
        tables: r.parity!.tables ?? 0,
        wallMs: Math.round(performance.now() - started),
      });
      onProgress(`round ${round + 1}: ${record.verdict}, dump ${r.rto!.dumpMs} ms, restore ${r.rto!.restoreMs} ms, parity ${r.parity!.durationMs} ms`);
    }
    return { rows: total, rounds: results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop(source, scratch);
  }
}
