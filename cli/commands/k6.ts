import path from 'node:path';
import { ExitCode } from '../../core/exit-codes.ts';
import { UsageError } from '../../core/errors.ts';
import { exportK6 } from '../../k6/export.ts';
import { resolveScenario } from '../../runs/inputs.ts';
import { planK6Export } from '../../runs/stress-plan.ts';
import { PROFILE_NAMES, profileNamed, resolveProfile } from '../../scenarios/profiles.ts';
import { readCookiePool } from '../../scenarios/sessions/pool.ts';
import { configFor } from '../run-helpers.ts';
import { fromConfig } from '../flag-defaults.ts';
import { defineCommand } from '../spec.ts';

export const k6ExportCommand = defineCommand({
  name: 'k6 export',
  summary: 'Write a k6 script, a k6-operator TestRun and a README for the same scenario and profile',
  flags: {
    profile: { type: 'string', valueName: 'NAME', description: `Load profile: ${PROFILE_NAMES.join(', ')}` },
    scenario: { type: 'path', description: 'Scenario file (default: the CE Pro route mix)' },
    users: { type: 'int', min: 1, max: 1_000_000, description: "Peak VUs (scales the profile's stages)" },
    rate: { type: 'int', min: 1, max: 1_000_000, valueName: 'N', description: "Peak arrivals per second: the profile as ramping-arrival-rate (an open model)" },
    'max-in-flight': { type: 'int', min: 1, max: 1_000_000, default: fromConfig('stress.maxInFlight'), valueName: 'N', description: 'Open model: k6 maxVUs (arrivals beyond it are dropped_iterations)' },
    duration: { type: 'duration', description: "Total load time (scales the profile's stages)" },
    parallelism: { type: 'int', min: 1, max: 1000, default: '4', description: 'k6-operator runner pods' },
    cookies: { type: 'path', description: 'A cookie pool (either format): written beside the script as cookies.json, a JSON array' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Where script.js, testrun.yaml and README.md go' },
  },
  details: `The script reads COOKIES_FILE in either pool format drill writes (one Cookie header per
line, or a JSON array). The profile's and config's thresholds become k6 thresholds (abortOnFail
rules keep their abort); the caps in limits apply as they do to drill stress.`,
  examples: ['drill k6 export --profile launch --out k6/launch', 'drill k6 export --profile smoke --cookies cookies.txt --out k6/smoke'],
  async run({ flags }, ctx) {
    const name = profileNamed('drill k6 export', flags.profile);
    if (!flags.out) throw new UsageError('drill k6 export: --out DIR is required');
    const config = await configFor(ctx, flags.config, {});
    const profile = resolveProfile(name, config, { users: flags.users, rate: flags.rate, durationMs: flags.duration });
    const { scenario, thresholds } = planK6Export({ config, profile, scenario: await resolveScenario(ctx.cwd, flags.scenario, config) });
    const cookies = flags.cookies ? readCookiePool(ctx.cwd, flags.cookies) : undefined;
    const result = exportK6({ scenario, profile, thresholds, outDir: path.resolve(ctx.cwd, flags.out), parallelism: flags.parallelism ?? 4, cookies, maxInFlight: flags['max-in-flight'] ?? config.stress.maxInFlight });
    ctx.stdout.write(`${result.files.join('\n')}\n`);
    if (result.keptThresholds.length) ctx.stderr.write(`thresholds k6 cannot express, judged by drill on ingest: ${result.keptThresholds.join('; ')}\n`);
    return ExitCode.pass;
  },
});
