#!/usr/bin/env node
// The unattended nightly load run (what .github/workflows/nightly-drill.yml does), for cron
// on any machine: the nightly profile, reports in --out, the exit code for the scheduler.
//
//   CRON_SECRET=… node scripts/nightly.mjs --target URL --cookies cookies.txt [--allow-target HOST] [--history DIR]
//
// With --history DIR the run is kept there (one directory per night) and `drill trend` reads
// the whole history: change points per route and metric, where each regression began, and
// DIR/trend/trend.html. A regression that began in the last week fails the job too.
import fs from 'node:fs';
import path from 'node:path';
import { $, argv, echo } from 'zx';
import { drillBin, worstExit } from './lib/drill.mjs';

$.verbose = false;
const DRILL = drillBin(import.meta.dirname);
if (!argv.target || !argv.cookies) {
  echo('nightly: --target URL and --cookies FILE are required');
  process.exit(2);
}
const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-nightly`;
const history = argv.history ? path.resolve(argv.history) : null;
const out = path.resolve(argv.out ?? (history ? path.join(history, stamp) : `reports/runs/${stamp}`));
const allow = argv['allow-target'] ? ['--allow-target', argv['allow-target']] : [];
const duration = argv.duration ? ['--duration', String(argv.duration)] : [];
const writes = [...(argv['read-only'] ? ['--read-only'] : []), ...(argv['allow-writes'] ? ['--allow-writes'] : [])];
const run = await $`node ${DRILL} stress --profile nightly --target ${argv.target} --cookies ${argv.cookies} ${allow} ${duration} ${writes} --out ${out}`.nothrow();
echo(run.stdout.trim() || run.stderr.trim());
echo(`reports: ${out}/report.html, ${out}/junit.xml`);
if (!history || run.exitCode > 1) process.exit(run.exitCode);
fs.mkdirSync(history, { recursive: true });
const inHistory = out.startsWith(`${history}${path.sep}`);
const trend = await $`node ${DRILL} trend ${history} ${inHistory ? [] : [out]} --out ${path.join(history, 'trend')}`.nothrow();
echo(trend.stdout.trim() || trend.stderr.trim());
process.exit(worstExit(run.exitCode, trend.exitCode));
