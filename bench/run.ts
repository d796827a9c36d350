/**
 * npm run bench: drill's load engine measured side by side with raw autocannon on the
 * same loopback target, plus pacing, watcher jitter and latency truth. Ratios from one
 * run, interleaved, because absolute figures drift on shared machines. Every loop is
 * bounded in time; all traffic stays on 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Watcher } from '../signals/watcher.ts';
import type { HealthSample } from '../record/health.ts';
import { summarize } from '../core/stats.ts';
import { runAutocannon, runDrillEngine, runWrk, startNginx, startTarget } from './lib.ts';
import { benchParsers } from './parser.ts';
import { benchCutover, benchReports } from './reports-and-cutover.ts';
import { benchParity } from './parity.ts';
import { benchRestore } from './restore.ts';
import { arrivalAccuracy, capacityAccuracy } from './capacity.ts';

const quick = process.argv.includes('--quick');
/** `--only parity`: just the content-parity section, spliced into docs/benchmarks.md in place. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const SECONDS = quick ? 3 : 6;
const ROUNDS = quick ? 1 : 3;
const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const r2 = (n: number) => Math.round(n * 100) / 100;
const signed = (n: number) => (n >= 0 ? `+${n}` : `−${-n}`);

async function engineCeiling() {
  const nginx = await startNginx();
  const target = nginx ?? (await startTarget());
  say(`## Engine ceiling: closed model, 64 connections, one route, ${nginx ? "Debian's nginx answering return 200" : 'the node target (install nginx-light for nginx)'}`);
  say('');
  const drill: number[] = [];
  const cannon: number[] = [];
  const wrk: number[] = [];
  const drillCpu: number[] = [];
  const cannonCpu: number[] = [];
  const wrkCpu: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const a = await runAutocannon(target.url, { connections: 64, seconds: SECONDS });
    const d = await runDrillEngine(target.url, { users: 64, ms: SECONDS * 1000, workers: 1 });
    const w = await runWrk(target.url, { connections: 64, seconds: SECONDS });
    cannon.push(a.rps);
    drill.push(d.rps);
    cannonCpu.push((a.cpuSeconds / a.requests) * 1e6);
    drillCpu.push((d.cpuSeconds / d.requests) * 1e6);
    if (w) {
      wrk.push(w.rps);
      wrkCpu.push(w.cpuUsPerReq);
    }
    say(
      `- round ${round + 1}: autocannon ${Math.round(a.rps)} req/s (${r2(cannonCpu.at(-1)!)} µs CPU/req), drill ${Math.round(d.rps)} req/s (${r2(drillCpu.at(-1)!)} µs CPU/req)` +
        (w ? `, wrk ${Math.round(w.rps)} req/s (${r2(w.cpuUsPerReq)} µs CPU/req)` : ', wrk not installed'),
    );
  }
  await target.stop();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  say('');
  say(`**drill / autocannon throughput: ${r2(mean(drill) / mean(cannon))}x** (goal ≥ 0.95); CPU per request drill / autocannon: ${r2(mean(drillCpu) / mean(cannonCpu))}x`);
  if (wrk.length) say(`**drill / wrk throughput: ${r2(mean(drill) / mean(wrk))}x** (goal ≥ 0.70); CPU per request drill / wrk: ${r2(mean(drillCpu) / mean(wrkCpu))}x`);
  say('');
}

function parsers() {
  say("## Response parsing: drill's parser against http-parser-js (autocannon's), same answers in memory");
  say('');
  for (const row of benchParsers(ROUNDS, quick ? 300 : 1000)) {
    say(`- ${row.answer}: drill ${Math.round(row.drill).toLocaleString('en')} answers/s, http-parser-js ${Math.round(row.httpParserJs).toLocaleString('en')} answers/s: **${r2(row.ratio)}x**`);
  }
  say('');
}

async function sessionsAtScale() {
  say('## Paced sessions at scale: distinct cookies, exponential think time');
  say('');
  say('| users | think mean | intended req/s | achieved req/s | pacing error (goal < 2%) | schedule lag p99 | process RSS after (goal < 500 MB) |');
  say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const target = await startTarget();
  for (const [users, thinkMs] of [[1000, 2000], [10000, 10000]] as const) {
    const cookies = Array.from({ length: users }, (_, i) => `sb-benchref-auth-token=session-${i}-${'x'.repeat(300)}`);
    const seconds = quick ? 12 : 30;
    const rssBefore = process.memoryUsage().rss;
    const d = await runDrillEngine(target.url, { users, thinkMs, ms: seconds * 1000, workers: 1, cookies });
    // Steady state: users / (mean pause + latency); whole seconds after the first two and before the last.
    const intended = users / ((thinkMs + (d.latency?.mean ?? 0)) / 1000);
    const steady = d.perSecond.slice(2, -1);
    const achieved = steady.reduce((a, b) => a + b, 0) / steady.length;
    const rss = process.memoryUsage().rss / 1024 / 1024;
    say(`| ${users} | ${thinkMs / 1000}s | ${Math.round(intended)} | ${Math.round(achieved)} | ${signed(r2((achieved / intended - 1) * 100))}% | ${d.lag?.p99} ms | ${Math.round(rss)} MB (${signed(Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20))} MB in this run) |`);
  }
  await target.stop();
  say('');
}

async function watcherUnderLoad() {
  say('## Watcher jitter at 1 s intervals while the engine runs flat out');
  say('');
  const target = await startTarget();
  const samples: HealthSample[] = [];
  const watcher = new Watcher({ target: target.url, intervalMs: 1000, timeoutMs: 2000, healthPath: '/', queueKey: null, onSample: (s) => samples.push(s) });
  watcher.start();
  const d = await runDrillEngine(target.url, { users: 128, ms: (quick ? 8 : 20) * 1000, workers: 1 });
  await watcher.stop();
  await target.stop();
  const lag = summarize(samples.map((s) => s.lagMs));
  say(`- engine at ${Math.round(d.rps)} req/s (peak worker utilisation ${Math.round(d.peakElu * 100)}%); ${lag.count} samples`);
  say(`- **sample jitter p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms** (goal: p99 < 50 ms)`);
  say('');
}

async function latencyTruth() {
  say('## Latency truth');
  say('');
  const fixed = await startTarget({ DELAY_MS: '50' });
  const d = await runDrillEngine(fixed.url, { rate: 200, ms: SECONDS * 1000 });
  const applied = (await (await fetch(`${fixed.url}/__applied`)).json()) as { count: number; p50: number; p99: number };
  await fixed.stop();
  say(
    `- fixed 50 ms target at 200 req/s: **drill p50 ${d.latency?.p50} ms (${r2(((d.latency!.p50 - 50) / 50) * 100)}% off)**, p99 ${d.latency?.p99} ms; ` +
      `the target's own applied delay p50 ${r2(applied.p50)} ms over ${applied.count} requests; drill's schedule lag p50 ${d.lag?.p50} ms (goal: within 2%)`,
  );
  const stalling = await startTarget({ STALL_MS: '1000', STALL_EVERY_MS: '10000' });
  const window = quick ? 10 : 20;
  const ds = await runDrillEngine(stalling.url, { rate: 200, ms: window * 1000 });
  const a = await runAutocannon(stalling.url, { connections: 50, seconds: window, rate: 200 });
  await stalling.stop();
  say(`- 1 s stall every 10 s at 200 req/s: **drill p99 ${ds.latency?.p99} ms**, max ${ds.latency?.max} ms; autocannon (overallRate 200) p99 ${a.latency.p99} ms, max ${a.latency.max} ms`);
  const lagTarget = await startTarget();
  const dl = await runDrillEngine(lagTarget.url, { rate: 2000, ms: SECONDS * 1000 });
  await lagTarget.stop();
  say(`- arrival rate 2,000 req/s: achieved ${Math.round(dl.rps)} req/s, **schedule lag p50 ${dl.lag?.p50} ms, p99 ${dl.lag?.p99} ms** (goal: p99 < 5 ms)`);
  say('');
}

async function reportsAndCutover() {
  say('## Reports and the cutover suite');
  say('');
  const r = benchReports();
  say(`- synthetic 1-hour run (3,600 samples, 3,600 intervals, 10 routes): **render of run.json, report.md, report.html and junit.xml ${r.renderMs.join(' / ')} ms** (3 runs), report.html ${(r.htmlBytes / 1024).toFixed(0)} KiB (goals: < 2 s, < 2 MB)`);
  const c = await benchCutover();
  say(`- cutover on a local move of ${c.rows.toLocaleString('en')} invoices (two real Postgres databases, copied with pg_dump | psql): **non-waiting database checks ${c.wallMs} ms wall** (goal < 5 s); slowest: ${c.slowest.map((s) => `${s.id} ${s.ms} ms`).join(', ')}`);
  say('');
}

async function contentParity() {
  say('## Content parity: 1,000,000 rows, drill against pg_dump and diff');
  say('');
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const r = await benchParity(ROUNDS, (line) => process.stderr.write(`  ${line}\n`));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mb = (n: number) => `${signed(Number(n.toFixed(1)))} MB`;
  const drill = median(r.drill.wallMs);
  const work = drill - r.drill.pausedMs;
  const dump = median(r.dumpDiff.wallMs);
  say(`Two databases on the local Postgres: ${r.rows.toLocaleString('en')} rows in ${r.tables} tables (invoices 400k rows of about 400 bytes with jsonb, text[], numeric, bytea, an enum; events 300k with uuid keys, jsonb and inet; line items 200k with a three-column key; an audit log of 100k without a primary key). The new one is a copy with 6 differences (changed values, a NULL, a deleted and an extra row). Rounds interleaved; medians of ${r.drill.wallMs.length}. Load average at start ${load} (the machine is shared with other work).`);
  say('');
  say('| method | wall time per round | finds | memory |');
  say('| --- | ---: | --- | --- |');
  say(`| drill (\`compareContent\`, db.content_parity's library; one connection per side, chunks of 10,000) | ${r.drill.wallMs.join(' / ')} ms, of which ${r.drill.pausedMs} ms is the pause before the second look | ${r.drill.differing} differing keys, named | retained after the run ${mb(r.drill.retainedMb)} (at ${r.smaller.rows.toLocaleString('en')} rows: ${mb(r.smaller.retainedMb)}); peaks: heap ${mb(r.drill.heapPeakMb)}, RSS ${mb(r.drill.rssPeakMb)} (${mb(r.smaller.heapPeakMb)}, ${mb(r.smaller.rssPeakMb)}) |`);
  say(`| \`pg_dump\` both sides at once, then \`diff\` | ${r.dumpDiff.wallMs.join(' / ')} ms | ${r.dumpDiff.diffLines} diff lines, rows as text | ${(r.dumpDiff.dumpBytes / 2 ** 20).toFixed(0)} MB of dumps on disk; diff's max RSS ${Math.round(r.dumpDiff.diffMaxRssMb)} MB |`);
  say('');
  say(`- **drill ${r2(dump / work)}x faster than dump-and-diff** on the work (${work} ms against ${dump} ms; goal ≥ 3x), ${r2(dump / drill)}x counting the pause; **${(drill / 1000).toFixed(1)} s wall** with the pause (goal < 10 s).`);
  say(`- Queries: ${r.drill.queries.scan} for the first pass (range bounds from ANALYZE's histogram or the old side's index, then heap slices of about 10,000 rows on both sides), **${r.drill.queries.bisect} extra for the bisection** down to the ${r.drill.differing} keys, ${r.drill.queries.recheck} for the second look; ${r.drill.queries.total} in all.`);
  say(`- Memory stays flat: only counts, combined hashes and, for differing ranges, keys with their hashes leave the server, a chunk at a time, and nothing per row is kept. What the comparison holds after it ends is its result (${mb(r.drill.retainedMb)} at 1,000,000 rows, ${mb(r.smaller.retainedMb)} at 100,000); the peaks in between are garbage not yet collected, sized by how fast results arrive, not by the table. dump-and-diff writes every row twice to disk, and diff holds both files in memory.`);
  say("- drill's work is CPU in the two Postgres backends (hashing every row, jsonb through its text form the dearest part), so it slows most when other work shares the two cores; dump-and-diff is partly disk and holds steadier. Compare the rounds taken side by side, not figures across runs.");
  say('- The pause before the second look (`validate.content.recheckAfter`, 2 s) is waiting, not work: it lets writes still in flight land, and is taken only when something differs. dump-and-diff has no second look at all.');
  say('');
}

async function capacitySearch() {
  say('## Open model and the capacity search (issue 17)');
  say('');
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const a = await arrivalAccuracy(5000, quick ? 5 : 10);
  say(`- **arrival rate ${a.rate.toLocaleString('en')} req/s** for ${a.seconds} s on one worker against the ${a.target}: intended ${a.intended.toLocaleString('en')}, sent and answered ${a.sent.toLocaleString('en')}, **dropped ${a.dropped}** (in-flight cap 2,000), sent + dropped ${(a.sent + a.dropped).toLocaleString('en')} (${signed(r2(((a.sent + a.dropped) / a.intended - 1) * 100))}% of intended), **achieved ${Math.round(a.achieved).toLocaleString('en')} req/s (${signed(r2((a.achieved / a.rate - 1) * 100))}%)**, schedule lag p99 ${a.lagP99} ms. Drops come from the target (the node server on the same two cores) falling behind, never from arrivals skipped unseen.`);
  say('');
  say('`drill capacity` against the embedded sandbox (PGlite) with `--fault capacity:N` (50 ms service slots), one route, one load worker, start rate N/4, ×1.5 a step, 5 % precision, generator limits as the tests set them (schedule lag 5 s, utilisation 100 %: the machine is shared):');
  say('');
  say('| configured | hold | knee found | off by | steps | wall time | first break | verdict |');
  say('| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const capacity of [100, 300]) {
    const hold = quick ? '3s' : '10s';
    const c = await capacityAccuracy(capacity, hold, 0.05);
    if (c.verdict !== 'pass') process.stderr.write(`  capacity ${capacity}: ${c.reasons.join('; ')}\n`);
    say(`| ${capacity}/s | ${hold} | ${c.found === null ? 'none' : `${c.found}/s`} | ${c.errorPct === null ? '-' : `${signed(c.errorPct)}%`} | ${c.steps} | ${c.wallS} s | ${c.firstBreak ?? '-'} | ${c.verdict} |`);
  }
  say('');
  say(`Load average at start ${load} (the machine is shared with other work). The search's time is its steps: holds times steps, plus a drain after each broken step; a shorter \`--hold\` is faster and noisier. The test suite runs the same search with 2.5 s holds and 10 % precision (test/capacity.test.ts).`);
  say('');
}

async function restoreDrill() {
  say('## Restore drill: 1,000,000 rows, dumped, restored and proven whole');
  say('');
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const rounds = quick ? 1 : 2;
  const r = await benchRestore(rounds, (line) => process.stderr.write(`  ${line}\n`));
  const first = r.rounds[0]!;
  say(`\`drill restore-drill --from-database\` (\`runRestoreDrill\`) on the content-parity bench's database: ${r.rows.toLocaleString('en')} rows in ${first.tables} tables, ${(first.dumpBytes / 2 ** 20).toFixed(0)} MB as a custom-format dump, restored into a scratch database on the same local Postgres (the second round with \`--replace\`). Load average at start ${load} (the machine is shared with other work).`);
  say('');
  say('| round | verdict | pg_dump | pg_restore | RTO (dump + restore) | parity (schema + every row) | drill wall time |');
  say('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  r.rounds.forEach((x, i) => say(`| ${i + 1} | ${x.verdict} | ${x.dumpMs} ms | ${x.restoreMs} ms | **${(x.rtoMs / 1000).toFixed(1)} s** | **${(x.parityMs / 1000).toFixed(1)} s** | ${(x.wallMs / 1000).toFixed(1)} s |`));
  say('');
  const dumpShare = r.rounds.reduce((n, x) => n + x.dumpMs, 0) / r.rounds.reduce((n, x) => n + x.rtoMs, 0);
  say(`- pg_dump is ${Math.round(dumpShare * 100)}% of the RTO here: it reads every row and compresses it (the custom format's default zlib level) in one process; pg_restore loads the rows and then builds the primary keys. Both run beside Postgres on the same two cores, so a restore onto its own server is faster than this.`);
  say('- Parity has nothing to recheck on a faithful restore (no pause): its time is the hashing of every row on both sides, the same work as the content-parity section above.');
  say('');
}

/** Splices one section into the committed docs/benchmarks.md, leaving the other sections' figures alone. */
function splice(heading: string, flag: string, what: string) {
  const file = new URL('../docs/benchmarks.md', import.meta.url);
  const doc = readFileSync(file, 'utf8');
  const section = `${lines.join('\n')}\n`;
  const start = doc.indexOf(heading);
  const next = start < 0 ? -1 : doc.indexOf('\n## ', start + 1);
  const spliced = start >= 0 ? doc.slice(0, start) + section + (next >= 0 ? doc.slice(next + 1) : '') : doc.replace('\nTotal bench time', `\n${section}Total bench time`);
  if (!quick) writeFileSync(file, spliced.replace(/^Command: .*$/m, (line) => (line.includes(`--only ${flag}`) ? line : `${line} The ${what} section: \`npm run bench -- --only ${flag}\`, ${new Date().toISOString().slice(0, 10)}.`)));
}

if (only === 'parity') {
  await contentParity();
  splice('## Content parity', 'parity', 'content-parity');
} else if (only === 'restore') {
  await restoreDrill();
  splice('## Restore drill', 'restore', 'restore-drill');
} else if (only === 'capacity') {
  await capacitySearch();
  splice('## Open model and the capacity search', 'capacity', 'open-model and capacity');
} else {
  await everything();
}

/** The whole bench, rewriting docs/benchmarks.md (unless --quick). */
async function everything() {
  const started = Date.now();
  say(`# Benchmarks`);
  say('');
  say(`Command: \`npm run bench${quick ? ' -- --quick' : ''}\`. Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`);
  say("Targets on 127.0.0.1 in their own processes (nginx for the ceiling when installed, bench/target-server.mjs otherwise); drill's engine with one worker thread, autocannon with one connection pool, wrk with one thread (-t1). wrk and nginx come from Debian: apt-get install wrk nginx-light.");
  say('');
  await engineCeiling();
  parsers();
  await sessionsAtScale();
  await watcherUnderLoad();
  await latencyTruth();
  await reportsAndCutover();
  await contentParity();
  await restoreDrill();
  await capacitySearch();
  say(`Total bench time: ${Math.round((Date.now() - started) / 1000)} s.`);
  say('');
  say('## Reading these numbers');
  say('');
  say('- Two cores hold the target, the load worker and the main thread (watcher, statistics), so the generator and the target compete for CPU. Compare ratios taken in one run, not absolute figures across runs.');
  say("- wrk is C; drill's engine is Node on raw sockets with its own response parser (engine/http1), plus per-request bookkeeping: route choice, cookie, latency from the intended send time. Most of its worker's time is the write and read system calls, as for wrk; the rest is JavaScript. CPU per request counts every thread of the process, the main thread's statistics included.");
  say('- Schedule lag is how late a request left against its intended time, measured inside the load worker. Timers fire on whole milliseconds, typically 0.5 to 1 ms late, so the engine lets a request leave up to 1 ms early and times it from when it left; a late request is timed from when it was due, so its lag is in its latency (coordinated omission is never hidden).');
  say("- The fixed-50 ms target sets its timer 1.5 ms short and waits out the rest, and reports the delay it actually applied, so the harness's error is not confused with the target's timer.");
  if (!quick) writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), `${lines.join('\n')}\n`);
}
