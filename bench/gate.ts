/**
 * npm run bench:gate (also `npm run bench -- --gate`): how the release gate does on noise
 * and on real regressions, the measurements issue 16 is judged by, against sandboxes on
 * 127.0.0.1 in their own process. Every CPU hog is a child process bounded in time.
 *
 *   --runs N        live A/A and A/B gates each (default 20)
 *   --duration D    load per gate (default: the pricing profile's own length, 6m30s)
 *   --users N       peak users per deployment (default: the pricing profile's 200)
 *   --demo-runs N   npm run demo with a hog alongside (default 10)
 *   --only LIST     aa,ab,stored,demo (default all)
 *   --record        write the results into docs/benchmarks.md (its "Release gate" section)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../core/duration.ts';
import type { GateRecord, StressRecord } from '../record/run-record.ts';
import { compareRuns } from '../runs/gate.ts';
import { liveGate } from '../runs/live-gate.ts';
import { runStress } from '../runs/stress.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
};
const RUNS = Number(arg('runs') ?? 20);
const DURATION_MS = arg('duration') ? parseDuration(arg('duration')!) : undefined;
const USERS = arg('users') ? Number(arg('users')) : undefined;
const DEMO_RUNS = Number(arg('demo-runs') ?? 10);
const ONLY = new Set((arg('only') ?? 'aa,ab,stored,demo').split(','));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Routes are named by method and path without the query (the scenario's route is /api/admin/jobs?limit=25&offset={offset}).
const JOBS_ROUTE = 'GET /api/admin/jobs';
const CONFIG = { stress: { baseline: '3s', recoveryTimeout: '15s' }, watch: { interval: '2s' } };
const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(', ');
const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `drill-bench-${name}-`));

interface Pair {
  control: string;
  candidate: string;
  cookies: string[];
  stop(): Promise<void>;
}

async function startPair(faults: string[] = []): Promise<Pair> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./gate-sandboxes.ts', import.meta.url)), JSON.stringify({ faults })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
    });
  });
  const info = JSON.parse(line) as { control: string; candidate: string; cookies: string[] };
  return { ...info, stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}

/** A bounded CPU hog: one core spinning for `ms`, started after `afterMs`. */
function hog(afterMs: number, ms: number): { done: Promise<void>; child: () => ChildProcess | null } {
  let proc: ChildProcess | null = null;
  const done = new Promise<void>((resolve) => {
    setTimeout(() => {
      proc = spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], { stdio: 'ignore' });
      proc.once('exit', () => resolve());
    }, afterMs).unref();
  });
  return { done, child: () => proc };
}

const profileMs = () => DURATION_MS ?? 390_000;

/** One retry: a keep-alive socket the sandbox closed can reset the very first health probe. */
async function live(pair: Pair, hogAt: number | null, durationMs = DURATION_MS): Promise<GateRecord> {
  try {
    return await liveOnce(pair, hogAt, durationMs);
  } catch (error) {
    say(`  - (retried once: ${(error as Error).message})`);
    return liveOnce(pair, hogAt, durationMs);
  }
}

async function liveOnce(pair: Pair, hogAt: number | null, durationMs: number | undefined): Promise<GateRecord> {
  const h = hogAt === null ? null : hog(hogAt, 10_000);
  const record = await liveGate({
    config: CONFIG, out: tmp('live'), env: {}, control: pair.control, candidate: pair.candidate, profile: 'pricing',
    users: USERS, durationMs, cookies: pair.cookies, cronSecret: 'drill-bench-cron-secret', workers: 1,
  });
  h?.child()?.kill();
  return record;
}

const failedRoutes = (r: GateRecord) => [...new Set(r.checks.filter((c) => c.status === 'fail').map((c) => c.id.replace(/^gate\./, '').replace(/\.[a-z_0-9]+$/, '')))];
const tally = (verdicts: string[]) => Object.entries(verdicts.reduce<Record<string, number>>((a, v) => ((a[v] = (a[v] ?? 0) + 1), a), {})).map(([v, n]) => `${n} ${v}`).join(', ');
const baselineMs = 3000;

async function aa() {
  say(`## Live A/A under CPU noise: ${RUNS} gates, one sandbox build on both arms`);
  say('');
  say(`Each gate: the pricing profile (${USERS ?? 200} users per arm, ${Math.round(profileMs() / 1000)} s), a one-core CPU hog (\`node -e\` busy loop, 10 s) starting 40% into the load. Load average before: ${load()}.`);
  say('');
  const pair = await startPair();
  const verdicts: string[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const r = await live(pair, baselineMs + profileMs() * 0.4);
    verdicts.push(r.verdict);
    say(`- run ${i + 1}: **${r.verdict}**; inconclusive checks ${r.checks.filter((c) => c.status === 'inconclusive').length}; load average ${load()}`);
    for (const f of r.checks.filter((x) => x.status === 'fail')) say(`  - failed: ${f.summary}`);
  }
  await pair.stop();
  say('');
  say(`**A/A: ${verdicts.filter((v) => v === 'fail').length} fails in ${RUNS}** (goal 0); verdicts: ${tally(verdicts)}.`);
  say('');
}

async function ab() {
  say(`## Live A/B power: +20% latency on one route, ${RUNS} gates`);
  say('');
  // The route's median on this machine, measured first: +20% of it is the fault's delay.
  // A 60 s calibration is plenty for a median.
  const calib = await startPair();
  const c = await live(calib, null, Math.min(profileMs(), 60_000));
  await calib.stop();
  const p50 = (c.results.comparisons ?? []).find((x) => x.scope === JOBS_ROUTE && x.metric === 'shift')?.baseline ?? 8;
  const ms = Math.max(1, Math.round(p50 * 0.2 * 10) / 10);
  say(`\`${JOBS_ROUTE}\` p50 on the control: ${p50.toFixed(2)} ms; the candidate gets \`--fault latency:/api/admin/jobs:${ms}\` (+${((ms / p50) * 100).toFixed(0)}%). Load average before: ${load()}.`);
  say('');
  const pair = await startPair([`latency:/api/admin/jobs:${ms}`]);
  let named = 0;
  const verdicts: string[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const r = await live(pair, null);
    verdicts.push(r.verdict);
    const hit = r.verdict === 'fail' && failedRoutes(r).includes(JOBS_ROUTE);
    if (hit) named += 1;
    const shift = (r.results.comparisons ?? []).find((x) => x.scope === JOBS_ROUTE && x.metric === 'shift');
    const pctOf = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
    say(`- run ${i + 1}: **${r.verdict}**${hit ? ', names the route' : ''}; shift ${pctOf(shift?.estimate)} (CI ${pctOf(shift?.low)} to ${pctOf(shift?.high)}); failed: ${failedRoutes(r).join(', ') || 'none'}`);
  }
  await pair.stop();
  say('');
  say(`**A/B: fails naming the route in ${named} of ${RUNS}** (goal ≥ 19 of 20); verdicts: ${tally(verdicts)}.`);
  say('');
}

async function stress(target: string, cookies: string[], hogMs: number | null): Promise<{ record: StressRecord; dir: string }> {
  const dir = tmp('stored');
  const h = hogMs === null ? null : hog(0, hogMs);
  const record = await runStress({ config: CONFIG, out: dir, env: {}, target, profile: 'pricing', users: USERS, durationMs: DURATION_MS, cookies, cronSecret: 'drill-bench-cron-secret', workers: 1 });
  h?.child()?.kill();
  return { record, dir };
}

async function stored() {
  say('## Stored baseline: a busy machine, then a real +50% regression on a quiet one');
  say('');
  const pair = await startPair();
  const base = await stress(pair.control, pair.cookies, null);
  say(`- baseline (quiet, load average ${load()}): ${base.record.verdict}`);
  const busy = await stress(pair.control, pair.cookies, profileMs() + baselineMs + 5000);
  const g1 = await compareRuns({ config: CONFIG, out: tmp('gate'), env: {}, baseline: base.dir, current: busy.dir });
  const env = g1.results.environment;
  say(`- same build, one core hogged for the whole run: **gate ${g1.verdict}**${env?.changed ? ` (the environment changed: ${env.reasons.join('; ')})` : ''}; failed checks: ${g1.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ') || 'none'}`);
  await pair.stop();
  const adminP50 = Object.entries(base.record.results.load?.routes ?? {}).filter(([n]) => n.includes('/admin')).map(([, s]) => s.latencyMs?.p50 ?? 0);
  const median = adminP50.sort((a, b) => a - b)[Math.floor(adminP50.length / 2)] ?? 8;
  const ms = Math.max(1, Math.round(median * 0.5 * 10) / 10);
  const slow = await startPair([`latency:/api/admin/*:${ms}`, `latency:/admin*:${ms}`]);
  const regressed = await stress(slow.candidate, slow.cookies, null);
  const g2 = await compareRuns({ config: CONFIG, out: tmp('gate'), env: {}, baseline: base.dir, current: regressed.dir });
  say(`- +${ms} ms on every admin route (+50% of their median p50, ${median.toFixed(1)} ms), quiet machine (load average ${load()}): **gate ${g2.verdict}**; failed: ${failedRoutes(g2).join(', ') || 'none'}`);
  await slow.stop();
  say('');
}

async function demo() {
  say(`## npm run demo with a CPU hog alongside: ${DEMO_RUNS} runs`);
  say('');
  let passed = 0;
  for (let i = 0; i < DEMO_RUNS; i += 1) {
    const h = hog(0, 120_000);
    const out = tmp('demo');
    let code = 0;
    let text = '';
    try {
      text = execFileSync(process.execPath, [path.join(ROOT, 'bin/drill.mjs'), 'demo', '--out', out], { encoding: 'utf8', timeout: 300_000 });
    } catch (error) {
      code = (error as { status?: number }).status ?? 1;
      text = String((error as { stdout?: string }).stdout ?? '');
    }
    h.child()?.kill();
    await h.done;
    if (code === 0) passed += 1;
    const gateLine = text.split('\n').find((l) => l.includes('release gate')) ?? '';
    // The demo's closing table: one line per step, led by its verdict.
    const notPassed = text.split('\n').filter((l) => /^(FAIL|INVALID|INCONCLUSIVE|INTERRUPTED|ERROR)\b/.test(l.trim())).map((l) => l.trim());
    say(`- run ${i + 1}: exit ${code}; ${gateLine.trim()}${notPassed.length && code !== 0 ? `; not passed: ${notPassed.join(' / ')}` : ''}`);
  }
  say('');
  say(`**demo: ${passed} of ${DEMO_RUNS} pass** with one core hogged for the whole demo (goal 10 of 10).`);
  say('');
}

const started = Date.now();
say('## Release gate (issue 16)');
say('');
say(`Command: \`npm run bench:gate -- ${argv.filter((a) => a !== '--record').join(' ')}\`. Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average at start ${load()} (the machine is shared with other work).`);
say('');
if (ONLY.has('aa')) await aa();
if (ONLY.has('ab')) await ab();
if (ONLY.has('stored')) await stored();
if (ONLY.has('demo')) await demo();
say(`Gate bench time: ${Math.round((Date.now() - started) / 1000)} s.`);
if (argv.includes('--record')) {
  const file = path.join(ROOT, 'docs/benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('## Release gate (issue 16)');
  writeFileSync(file, `${at === -1 ? `${text.trimEnd()}\n\n` : text.slice(0, at)}${lines.join('\n')}\n`);
}
