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
import { $, argv, echo, question } from 'zx';

$.verbose = false;
const DRILL = path.join(import.meta.dirname, '..', 'bin', 'drill.mjs');
const operator = argv.operator ?? process.env.USER;
if (!operator) {
  echo('cutover-checklist: --operator NAME is required (who is doing this cutover)');
  process.exit(2);
}
const out = path.resolve(argv.out ?? `reports/runs/cutover-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const passthrough = ['target', 'supabase-project-ref', 'supabase-api-url', 'expect-region', 'readiness', 'window', 'drain-timeout', 'database-url', 'source-database-url', 'config']
  .filter((flag) => argv[flag] !== undefined)
  .flatMap((flag) => [`--${flag}`, String(argv[flag])]);

const steps = [];
async function confirm(title) {
  if (!argv.yes) {
    const answer = (await question(`${title}? [y/N] `)).trim().toLowerCase();
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
process.exit(code);
