#!/usr/bin/env node
// The unattended nightly load run (what .github/workflows/nightly-drill.yml does), for cron
// on any machine: the nightly profile, reports in --out, the exit code for the scheduler.
//
//   CRON_SECRET=… node scripts/nightly.mjs --target URL --cookies cookies.txt [--allow-target HOST]
import path from 'node:path';
import { $, argv, echo } from 'zx';

$.verbose = false;
const DRILL = path.join(import.meta.dirname, '..', 'bin', 'drill.mjs');
if (!argv.target || !argv.cookies) {
  echo('nightly: --target URL and --cookies FILE are required');
  process.exit(2);
}
const out = path.resolve(argv.out ?? `reports/runs/${new Date().toISOString().replace(/[:.]/g, '-')}-nightly`);
const allow = argv['allow-target'] ? ['--allow-target', argv['allow-target']] : [];
const duration = argv.duration ? ['--duration', String(argv.duration)] : [];
const run = await $`node ${DRILL} stress --profile nightly --target ${argv.target} --cookies ${argv.cookies} ${allow} ${duration} --out ${out}`.nothrow();
echo(run.stdout.trim() || run.stderr.trim());
echo(`reports: ${out}/report.html, ${out}/junit.xml`);
process.exit(run.exitCode);
