#!/usr/bin/env node
// Pricing-change release gate. Side by side (what a pricing change should use): the current
// release and the candidate loaded together, the candidate judged against it. Or: a pricing
// run of the candidate, gated against the stored baseline.
// Exit code: 0 pass; 1 when the gate found a regression OR the candidate broke its own
// thresholds or alerts; 4 inconclusive (run longer); 2/3 could not run.
//
//   CRON_SECRET=… node scripts/release-gate.mjs --control URL --candidate URL --cookies cookies.txt [--allow-target HOST]…
//   CRON_SECRET=… node scripts/release-gate.mjs --target URL --cookies cookies.txt \
//     [--allow-target HOST] [--baseline reports/baseline] [--max-p95-regression 10%]
import path from 'node:path';
import { $, argv, echo } from 'zx';
import { drillBin, worstExit } from './lib/drill.mjs';

$.verbose = false;
const DRILL = drillBin(import.meta.dirname);
const sideBySide = argv.control !== undefined || argv.candidate !== undefined;
if (!argv.cookies || (sideBySide ? !argv.control || !argv.candidate : !argv.target)) {
  echo('release-gate: --cookies FILE and either --control URL --candidate URL, or --target URL, are required');
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const current = path.resolve(argv.out ?? `reports/runs/${stamp}-pricing`);
const allow = [argv['allow-target'] ?? []].flat().flatMap((host) => ['--allow-target', host]);
const duration = argv.duration ? ['--duration', String(argv.duration)] : [];
const writes = [...(argv['read-only'] ? ['--read-only'] : []), ...(argv['allow-writes'] ? ['--allow-writes'] : [])];
if (sideBySide) {
  const live = await $`node ${DRILL} gate --control ${argv.control} --candidate ${argv.candidate} --profile pricing --cookies ${argv.cookies} ${allow} ${duration} ${writes} --out ${current}-gate`.nothrow();
  echo(live.stdout.trim() || live.stderr.trim());
  process.exit(live.exitCode);
}
const drill = await $`node ${DRILL} stress --profile pricing --target ${argv.target} --cookies ${argv.cookies} ${allow} ${duration} ${writes} --out ${current}`.nothrow();
echo(drill.stdout.trim() || drill.stderr.trim());
if (drill.exitCode !== 0 && drill.exitCode !== 1 && drill.exitCode !== 4) process.exit(drill.exitCode);
const tolerance = argv['max-p95-regression'] ? ['--max-p95-regression', argv['max-p95-regression']] : [];
const gate = await $`node ${DRILL} gate --baseline ${argv.baseline ?? 'reports/baseline'} --current ${current} ${tolerance} --out ${current}-gate`.nothrow();
echo(gate.stdout.trim() || gate.stderr.trim());
// A candidate that broke its own thresholds or alerts fails the release, whatever the gate says.
if (drill.exitCode === 1) echo('release-gate: FAIL: the candidate run itself did not pass (see its report)');
process.exit(worstExit(drill.exitCode, gate.exitCode));
