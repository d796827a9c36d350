import { CannotRunError, UsageError } from '../../core/errors.ts';
import { execFileSync } from 'node:child_process';
import { runStress } from '../../runs/stress.ts';
import { runStressOnK6 } from '../../runs/stress-k6.ts';
import { defaultScenario, loadScenarioFile } from '../../scenarios/load.ts';
import { PROFILE_NAMES, resolveProfile, type ProfileName } from '../../scenarios/profiles.ts';
import { mintSessionCookies } from '../../scenarios/sessions/mint.ts';
import { readCookiePool } from '../../scenarios/sessions/pool.ts';
import { configFor, cronSecretFrom, executeRun, logSourceFrom, requireTarget } from '../run-helpers.ts';
import { defineCommand, type CliContext } from '../spec.ts';

export const stressCommand = defineCommand({
  name: 'stress',
  summary: 'Load the admin hot paths and job enqueue from a pool of sessions while watching health and the queue',
  flags: {
    target: { type: 'url', description: 'Base URL of the CE Pro deployment (non-loopback hosts must be allow-listed)' },
    profile: { type: 'string', valueName: 'NAME', description: `Load profile: ${PROFILE_NAMES.join(', ')}` },
    users: { type: 'int', min: 1, max: 1_000_000, description: "Peak users (scales the profile's stages)" },
    duration: { type: 'duration', description: "Total load time (scales the profile's stages)" },
    cookies: { type: 'path', description: 'Cookie pool: one Cookie header per line, or a JSON array' },
    scenario: { type: 'path', description: 'Scenario file (JSON, YAML or module); default: the CE Pro route mix' },
    engine: { type: 'string', default: 'drill', valueName: 'NAME', description: 'Load engine: drill (built in), autocannon (closed-model ceilings: --profile max), k6' },
    workers: { type: 'int', min: 1, max: 64, description: 'Load worker threads (default: cores - 1)' },
    'allow-target': { type: 'string', multiple: true, valueName: 'HOST', description: 'Allow loading this non-loopback host' },
    logs: { type: 'path', description: 'Follow the app JSON log file during the run' },
    'log-drain': { type: 'int', min: 0, max: 65535, valueName: 'PORT', description: 'Open a log-drain endpoint on this port' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-stress)' },
  },
  details: `Phases: a health baseline (stress.baseline), the load through the profile's stages, then
recovery: watching until the queue backlog is back to normal or stress.recoveryTimeout passes.
CRON_SECRET from the environment is sent for the queue snapshot. Exit 1 when a threshold
fails, an alert fires or the queue does not recover; the verdict is "invalid" (exit 1) when
the load generator itself saturated.`,
  examples: [
    'drill sandbox --write-cookie-pool cookies.txt --sessions 50 &',
    'CRON_SECRET=drill-sandbox-cron-secret drill stress --target http://127.0.0.1:3999 --profile smoke --cookies cookies.txt',
  ],
  async run({ flags }, ctx) {
    const profileName = flags.profile;
    if (!profileName) throw new UsageError(`drill stress: --profile is required; one of ${PROFILE_NAMES.join(', ')}`);
    if (!(PROFILE_NAMES as readonly string[]).includes(profileName)) {
      throw new UsageError(`drill stress --profile: "${profileName}" is not a profile; use ${PROFILE_NAMES.join(', ')}`);
    }
    const logs = logSourceFrom('stress', ctx, flags);
    const engine = flags.engine ?? 'drill';
    if (engine === 'k6') requireK6(ctx);
    else if (engine !== 'drill' && engine !== 'autocannon') throw new UsageError(`drill stress --engine: "${engine}" is not an engine here; use drill, autocannon or k6`);
    const config = await configFor(ctx, flags.config, {});
    const target = requireTarget('stress', flags.target, config);
    const profile = resolveProfile(profileName as ProfileName, config, { users: flags.users, durationMs: flags.duration });
    const scenarioFile = flags.scenario ?? config.stress.scenario;
    const scenario = scenarioFile ? await loadScenarioFile(ctx.cwd, scenarioFile) : defaultScenario();
    const cookieFile = flags.cookies ?? config.stress.cookies;
    const cookies = cookieFile
      ? readCookiePool(ctx.cwd, cookieFile)
      : config.stress.signIn
        ? await mintSessionCookies(config.stress.signIn, ctx.env)
        : [];
    if (engine === 'k6') {
      return executeRun(ctx, 'stress', config, flags.out, (runDir) =>
        runStressOnK6({ config, target, profile, scenario, cookies, cronSecret: cronSecretFrom(ctx), logs, runDir, env: ctx.env, signal: ctx.signal, onProgress: (line) => ctx.stderr.write(`${line}\n`) }),
      );
    }
    return executeRun(ctx, 'stress', config, flags.out, (runDir) =>
      runStress({
        config,
        target,
        profile,
        scenario,
        cookies,
        cronSecret: cronSecretFrom(ctx),
        logs,
        allowTargets: flags['allow-target'] ?? [],
        workers: flags.workers,
        engine: engine === 'autocannon' ? 'autocannon' : 'drill',
        runDir,
        signal: ctx.signal,
        onProgress: progressPrinter(ctx),
      }),
    );
  },
});

/** On a terminal the per-second line overwrites itself; elsewhere only milestones print. */
function progressPrinter(ctx: CliContext): (line: string, live: boolean) => void {
  return (line, live) => {
    if (ctx.isTTY) ctx.stderr.write(live ? `\r\x1b[K${line}` : `\r\x1b[K${line}\n`);
    else if (!live) ctx.stderr.write(`${line}\n`);
  };
}

function requireK6(ctx: CliContext): void {
  try {
    execFileSync('k6', ['version'], { stdio: 'ignore', env: ctx.env });
  } catch {
    throw new CannotRunError(
      'drill stress --engine k6: no k6 binary on PATH; install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use the built-in engine',
      'E_NO_K6',
    );
  }
}
