#!/usr/bin/env node
// Pricing-change release gate: run the pricing profile, then gate it against the baseline.
// Exit code: the gate's (0 within tolerance, 1 regressed).
//
//   CRON_SECRET=… node scripts/release-gate.mjs --target URL --cookies cookies.txt \
//     [--allow-target HOST] [--baseline reports/baseline] [--max-p95-regression 10%]
import path from 'node:path';
import { $, argv, echo } from 'zx';

$.verbose = false;
const DRILL = path.join(import.meta.dirname, '..', 'bin', 'drill.mjs');
if (!argv.target || !argv.cookies) {
  echo('release-gate: --target URL and --cookies FILE are required');
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const current = path.resolve(argv.out ?? `reports/runs/${stamp}-pricing`);
const allow = argv['allow-target'] ? ['--allow-target', argv['allow-target']] : [];
const duration = argv.duration ? ['--duration', String(argv.duration)] : [];
const drill = await $`node ${DRILL} stress --profile pricing --target ${argv.target} --cookies ${argv.cookies} ${allow} ${duration} --out ${current}`.nothrow();
echo(drill.stdout.trim() || drill.stderr.trim());
if (drill.exitCode > 1) process.exit(drill.exitCode);
const tolerance = argv['max-p95-regression'] ? ['--max-p95-regression', argv['max-p95-regression']] : [];
const gate = await $`node ${DRILL} gate --baseline ${argv.baseline ?? 'reports/baseline'} --current ${current} ${tolerance} --out ${current}-gate`.nothrow();
echo(gate.stdout.trim() || gate.stderr.trim());
process.exit(gate.exitCode);
