import { UsageError } from '../../core/errors.ts';
import { runStress } from '../../runs/stress.ts';
import { ENGINE_NAMES, engineNamed } from '../../runs/stress-plan.ts';
import { PROFILE_NAMES, profileNamed } from '../../scenarios/profiles.ts';
import { loadedConfigFor, logSourceFrom, outDirFor, reportRun, runInputsFrom } from '../run-helpers.ts';
import { LOAD_FLAGS, OUTPUT_FLAGS, defineCommand } from '../spec.ts';
import { fromConfig } from '../flag-defaults.ts';

export const stressCommand = defineCommand({
  name: 'stress',
  summary: 'Load the admin hot paths and job enqueue from a pool of sessions while watching health and the queue',
  flags: {
    target: { type: 'url', description: 'Base URL of the CE Pro deployment (non-loopback hosts must be allow-listed)' },
    profile: { type: 'string', valueName: 'NAME', description: `Load profile: ${PROFILE_NAMES.join(', ')}` },
    users: { type: 'int', min: 1, max: 1_000_000, description: "Peak users (scales the profile's stages)" },
    rate: { type: 'int', min: 1, max: 1_000_000, valueName: 'N', description: "Peak arrivals per second: the profile's stages as an open model (requests sent whatever the answers do)" },
    'max-in-flight': { type: 'int', min: 1, max: 1_000_000, default: fromConfig('stress.maxInFlight'), valueName: 'N', description: 'Open model: most requests in flight; arrivals beyond it are counted as dropped' },
    duration: { type: 'duration', description: "Total load time (scales the profile's stages)" },
    ...LOAD_FLAGS,
    engine: { type: 'string', default: 'drill', valueName: 'NAME', description: `Load engine: ${ENGINE_NAMES.join(', ')} (autocannon: closed-model ceilings, --profile max)` },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-stress)' },
    ...OUTPUT_FLAGS,
  },
  details: `Phases: a health baseline (stress.baseline), the load through the profile's stages, then
recovery: watching until the queue backlog is back to normal or stress.recoveryTimeout passes.
CRON_SECRET from the environment is sent for the queue snapshot. Every engine runs under the
same rules: the target allow-list, the caps in limits, the profile's and config's thresholds.
Exit 1 when a threshold fails, an alert fires or the queue does not recover; the verdict is
"invalid" (exit 1) when the load generator itself saturated.`,
  examples: [
    'drill sandbox --write-cookie-pool cookies.txt --sessions 50 &',
    'CRON_SECRET=drill-sandbox-cron-secret drill stress --target http://127.0.0.1:3999 --profile smoke --cookies cookies.txt',
  ],
  async run({ flags }, ctx) {
    const profile = profileNamed('drill stress', flags.profile);
    const engine = engineNamed(flags.engine);
    const logs = logSourceFrom('stress', ctx, flags);
    const config = await loadedConfigFor(ctx, flags.config, {});
    if (!flags.target && !config.config.target) throw new UsageError('drill stress: --target is required (or set target in drill.config); e.g. --target http://127.0.0.1:3999');
    const dir = outDirFor(ctx, config.config, flags.out, 'stress');
    return reportRun(
      ctx,
      dir,
      runStress({
        ...runInputsFrom(ctx, config, dir),
        target: flags.target,
        profile,
        users: flags.users,
        rate: flags.rate,
        maxInFlight: flags['max-in-flight'],
        durationMs: flags.duration,
        scenario: flags.scenario,
        cookies: flags.cookies,
        engine,
        logs,
        allowTargets: flags['allow-target'] ?? [],
        readOnly: flags['read-only'] || undefined,
        allowWrites: flags['allow-writes'] || undefined,
        workers: flags.workers,
      }),
    );
  },
});

