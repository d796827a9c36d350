import path from 'node:path';
import { ExitCode } from '../../core/exit-codes.ts';
import { UsageError } from '../../core/errors.ts';
import { exportK6 } from '../../k6/export.ts';
import { defaultScenario, loadScenarioFile } from '../../scenarios/load.ts';
import { PROFILE_NAMES, resolveProfile, type ProfileName } from '../../scenarios/profiles.ts';
import { configFor } from '../run-helpers.ts';
import { defineCommand } from '../spec.ts';

export function profileNamed(command: string, name: string | undefined): ProfileName {
  if (!name) throw new UsageError(`drill ${command}: --profile is required; one of ${PROFILE_NAMES.join(', ')}`);
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) throw new UsageError(`drill ${command} --profile: "${name}" is not a profile; use ${PROFILE_NAMES.join(', ')}`);
  return name as ProfileName;
}

export const k6ExportCommand = defineCommand({
  name: 'k6 export',
  summary: 'Write a k6 script, a k6-operator TestRun and a README for the same scenario and profile',
  flags: {
    profile: { type: 'string', valueName: 'NAME', description: `Load profile: ${PROFILE_NAMES.join(', ')}` },
    scenario: { type: 'path', description: 'Scenario file (default: the CE Pro route mix)' },
    users: { type: 'int', min: 1, max: 1_000_000, description: "Peak VUs (scales the profile's stages)" },
    duration: { type: 'duration', description: "Total load time (scales the profile's stages)" },
    parallelism: { type: 'int', min: 1, max: 1000, default: '4', description: 'k6-operator runner pods' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json})' },
    out: { type: 'path', valueName: 'DIR', description: 'Where script.js, testrun.yaml and README.md go' },
  },
  examples: ['drill k6 export --profile launch --out k6/launch'],
  async run({ flags }, ctx) {
    const name = profileNamed('k6 export', flags.profile);
    if (!flags.out) throw new UsageError('drill k6 export: --out DIR is required');
    const config = await configFor(ctx, flags.config, {});
    const profile = resolveProfile(name, config, { users: flags.users, durationMs: flags.duration });
    const scenarioFile = flags.scenario ?? config.stress.scenario;
    const scenario = scenarioFile ? await loadScenarioFile(ctx.cwd, scenarioFile) : defaultScenario();
    const result = exportK6(scenario, profile, path.resolve(ctx.cwd, flags.out), flags.parallelism ?? 4);
    ctx.stdout.write(`${result.files.join('\n')}\n`);
    if (result.keptThresholds.length) ctx.stderr.write(`thresholds k6 cannot express, judged by drill on ingest: ${result.keptThresholds.join('; ')}\n`);
    return ExitCode.pass;
  },
});
