#!/usr/bin/env node
// The region-migration cutover, as a runbook you walk: each manual step is confirmed by a
// named operator and timed; the automated checks run when traffic has moved; who did what
// and when goes into the run record (results.checklist) and its reports.
//
//   node scripts/cutover-checklist.mjs --operator "Dana" --target https://app.example \
//     --supabase-project-ref abcd --expect-region eu-central-1 --readiness ops/readiness.yml
//   (secrets from the environment: CRON_SECRET, DATABASE_URL, SOURCE_DATABASE_URL, SUPABASE_ACCESS_TOKEN)
//   --yes confirms every manual step without asking (rehearsals, CI).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { $, argv, echo } from 'zx';
import { drillBin } from './lib/drill.mjs';

$.verbose = false;
const DRILL = drillBin(import.meta.dirname);
const operator = argv.operator ?? process.env.USER;
if (!operator) {
  echo('cutover-checklist: --operator NAME is required (who is doing this cutover)');
  process.exit(2);
}
const out = path.resolve(argv.out ?? `reports/runs/cutover-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const passthrough = ['target', 'supabase-project-ref', 'supabase-api-url', 'expect-region', 'readiness', 'window', 'drain-timeout', 'database-url', 'source-database-url', 'cookies', 'logs', 'config']
  .filter((flag) => argv[flag] !== undefined)
  .flatMap((flag) => [`--${flag}`, String(argv[flag])]);
if (argv.strict) passthrough.push('--strict');

// Answers come from a terminal or a pipe. A pipe that ends before an answer is a "no", said
// out loud: waiting on a closed stdin would leave the script hanging, then exiting 13.
const answers = readline.createInterface({ input: process.stdin, terminal: false });
const queued = [];
const waiting = [];
let closed = false;
answers.on('line', (line) => (waiting.length ? waiting.shift()(line) : queued.push(line)));
answers.on('close', () => {
  closed = true;
  while (waiting.length) waiting.shift()(null);
});
function question(prompt) {
  process.stdout.write(prompt);
  if (queued.length) return Promise.resolve(queued.shift());
  if (closed) return Promise.resolve(null);
  return new Promise((resolve) => waiting.push(resolve));
}

const steps = [];
async function confirm(title) {
  if (!argv.yes) {
    const reply = await question(`${title}? [y/N] `);
    if (reply === null) {
      echo(`\nstopped at "${title}": the answers ended (stdin closed) before this step was confirmed; nothing after it was done`);
      return false;
    }
    const answer = reply.trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      echo(`stopped at "${title}": nothing after it was done`);
      return false;
    }
  }
  steps.push({ step: title, by: operator, at: new Date().toISOString() });
  echo(`  ok: ${title}`);
  return true;
}

const manual = [
  'Writes to the old project are frozen (maintenance mode on, cron paused there)',
  'Schema and data are copied to the new project',
  'URLs, keys and secrets point at the new project, and traffic has moved',
];
let confirmed = true;
for (const title of manual) {
  if (!(await confirm(title))) {
    confirmed = false;
    break;
  }
}

let code = 2;
if (confirmed) {
  const cutoverAt = steps[steps.length - 1].at;
  echo(`running the cutover checks (cutover at ${cutoverAt})…`);
  const result = await $`node ${DRILL} validate ${passthrough} --cutover-at ${cutoverAt} --out ${out}`.nothrow();
  code = result.exitCode;
  echo(result.stdout.trim() || result.stderr.trim());
  steps.push({ step: `drill validate: exit ${code}`, by: 'drill', at: new Date().toISOString() });
  if (code === 0) await confirm('The old project is kept until the new one shows a completed backup (recheck backups.recent in about 24 h)');
  if (code <= 1) {
    // The record is the truth: the checklist goes in, then every report is rendered again.
    const file = path.join(out, 'run.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    record.results.checklist = { operator, steps };
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    await $`node ${DRILL} report ${out}`.nothrow();
    echo(`report: ${path.join(out, 'report.md')}`);
  }
}
answers.close();
process.exit(code);
