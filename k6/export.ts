import { writeFileSync } from 'node:fs';
import { makeDirectory } from '../core/fs.ts';
import path from 'node:path';
import { formatDuration } from '../core/duration.ts';
import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { ThresholdSpec } from '../thresholds/evaluate.ts';
import { testRunManifest } from './manifest.ts';
import { generateK6Script } from './script.ts';

export interface ExportInput {
  scenario: Scenario;
  profile: ResolvedProfile;
  thresholds: readonly ThresholdSpec[];
  outDir: string;
  parallelism: number;
  /** A cookie pool to write beside the script as cookies.json (a JSON array, mode 0600). */
  cookies?: readonly string[];
  /** Open model: k6's maxVUs, drill's stress.maxInFlight (default 1000). */
  maxInFlight?: number;
}

export interface ExportResult {
  files: string[];
  keptThresholds: string[];
}

/** Writes script.js, testrun.yaml and README.md (and cookies.json when given) for a run of the same drill on k6. */
export function exportK6(input: ExportInput): ExportResult {
  const { profile, outDir, parallelism } = input;
  makeDirectory(outDir, '--out');
  const { script, keptThresholds } = generateK6Script(input.scenario, profile, input.thresholds, input.maxInFlight);
  const name = `drill-${profile.name}`;
  const files: Record<string, string> = {
    'script.js': script,
    'testrun.yaml': testRunManifest({ name, parallelism, configMap: name, secretName: 'drill-secrets' }),
    'README.md': readme(profile, name, parallelism, keptThresholds, Boolean(input.cookies)),
  };
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(outDir, file), text);
  const written = Object.keys(files).map((f) => path.join(outDir, f));
  if (input.cookies) {
    // Live sessions: readable by the owner only.
    const file = path.join(outDir, 'cookies.json');
    writeFileSync(file, `${JSON.stringify(input.cookies)}\n`, { mode: 0o600 });
    written.push(file);
  }
  return { files: written, keptThresholds };
}

function readme(profile: ResolvedProfile, name: string, parallelism: number, kept: string[], withCookies: boolean): string {
  return `# drill ${profile.name} on k6

Profile \`${profile.name}\`: ${profile.model === 'open' ? `arrivals ramping to ${profile.peakRate}/s (\`ramping-arrival-rate\`; arrivals no VU can take are counted as \`dropped_iterations\`)` : `up to ${profile.peakUsers} VUs`} for ${formatDuration(profile.durationMs)}, split over ${parallelism} runner pods.

## One machine

\`\`\`sh
k6 run -e BASE_URL=https://staging.example.com -e COOKIES_FILE=cookies.json -e CRON_SECRET=… \\
  -e SUMMARY_FILE=summary.json script.js
\`\`\`
\`COOKIES_FILE\` takes either pool format drill writes: one Cookie header per line
(\`drill sandbox --write-cookie-pool\`), or a JSON array.${withCookies ? ' `cookies.json` here is the pool given to `drill k6 export --cookies`: it holds live sessions, so keep it out of version control and delete it after the run.' : ''}

## k6-operator

\`\`\`sh
kubectl create configmap ${name} --from-file=script.js --from-file=cookies.json
kubectl create secret generic drill-secrets --from-literal=CRON_SECRET=…
kubectl apply -f testrun.yaml
\`\`\`
Run the watcher beside it, where it can reach the app: \`drill watch --target … --duration … --out run\`.

## Results

Each runner pod checks k6 thresholds on its own slice only, and the TestRun status has no
pass/fail. Copy every pod's summary JSON out, then let drill merge them and judge once:

\`\`\`sh
drill report run --k6-summary pod-0.json pod-1.json … --profile ${profile.name}
drill gate --current run
\`\`\`
${kept.length ? `\nThresholds k6 cannot express, judged by drill on ingest: ${kept.join('; ')}.\n` : ''}`;
}
