#!/usr/bin/env node
// Pre-launch stress drill: a smoke run first (no point loading a broken deployment), then the
// launch profile toward 1,000 admin users. Exit code: the launch drill's (0 pass, 1 fail).
//
//   CRON_SECRET=… node scripts/pre-launch-drill.mjs --target https://staging.example \
//     --allow-target staging.example --cookies cookies.txt [--users 1000] [--logs app.log]
import path from 'node:path';
import { $, argv, echo } from 'zx';
import { drillBin } from './lib/drill.mjs';

$.verbose = false;
const DRILL = drillBin(import.meta.dirname);
if (!argv.target || !argv.cookies) {
  echo('pre-launch-drill: --target URL and --cookies FILE are required');
  process.exit(2);
}
const common = [
  '--target', argv.target, '--cookies', argv.cookies,
  ...(argv.duration ? ['--duration', String(argv.duration)] : []),
  ...(argv['allow-target'] ? ['--allow-target', argv['allow-target']] : []),
  ...(argv.logs ? ['--logs', argv.logs] : []),
  ...(argv['read-only'] ? ['--read-only'] : []),
  ...(argv['allow-writes'] ? ['--allow-writes'] : []),
];
const root = path.resolve(argv.out ?? 'reports/runs');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

echo('1/2 smoke drill…');
const smoke = await $`node ${DRILL} stress --profile smoke ${common} --out ${path.join(root, `${stamp}-smoke`)}`.nothrow();
echo(smoke.stdout.trim() || smoke.stderr.trim());
if (smoke.exitCode !== 0) {
  echo('smoke drill did not pass: fix that before loading the deployment harder');
  process.exit(smoke.exitCode);
}
echo('2/2 launch drill…');
const users = argv.users ? ['--users', String(argv.users)] : [];
const launch = await $`node ${DRILL} stress --profile launch ${users} ${common} --out ${path.join(root, `${stamp}-launch`)}`.nothrow();
echo(launch.stdout.trim() || launch.stderr.trim());
process.exit(launch.exitCode);
