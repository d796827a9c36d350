// Where the drill CLI is, for the runbook scripts: inside drill's own repository, its bin;
// copied into an app's repository, the drill installed there (npm install from drill's
// repository puts it in node_modules/.bin). Never `npx drill`: that name on the npm
// registry is another package, and it would run with CRON_SECRET in its environment.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function drillBin(scriptDir) {
  const inRepo = path.join(scriptDir, '..', 'bin', 'drill.mjs');
  if (existsSync(inRepo)) return inRepo;
  const installed = path.resolve('node_modules', 'drill', 'bin', 'drill.mjs');
  if (existsSync(installed)) return installed;
  console.error('drill is not installed here: npm install --no-save "git+https://github.com/<org>/drill.git" (see README), then run this again');
  process.exit(3);
}

/** The exit code that says the most: a run that could not run, then a failure, then inconclusive. */
export function worstExit(...codes) {
  const rank = (c) => (c === 0 ? 0 : c === 4 ? 1 : c === 1 ? 2 : 3);
  return codes.reduce((worst, c) => (rank(c) > rank(worst) ? c : worst), 0);
}
