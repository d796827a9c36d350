import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDuration } from '../core/duration.ts';
import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { testRunManifest } from './manifest.ts';
import { generateK6Script } from './script.ts';

export interface ExportResult {
  files: string[];
  keptThresholds: string[];
}

/** Writes script.js, testrun.yaml and README.md for a distributed run of the same drill. */
export function exportK6(scenario: Scenario, profile: ResolvedProfile, outDir: string, parallelism: number): ExportResult {
  mkdirSync(outDir, { recursive: true });
  const { script, keptThresholds } = generateK6Script(scenario, profile);
  const name = `drill-${profile.name}`;
  const files = {
    'script.js': script,
    'testrun.yaml': testRunManifest({ name, parallelism, configMap: name, secretName: 'drill-secrets' }),
    'README.md': readme(profile, name, parallelism, keptThresholds),
  };
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(outDir, file), text);
  return { files: Object.keys(files).map((f) => path.join(outDir, f)), keptThresholds };
}

function readme(profile: ResolvedProfile, name: string, parallelism: number, kept: string[]): string {
  return `# drill ${profile.name} on k6

Profile \`${profile.name}\`: up to ${profile.peakUsers} VUs for ${formatDuration(profile.durationMs)}, split over ${parallelism} runner pods.

## One machine

\`\`\`sh
k6 run -e BASE_URL=https://staging.example.com -e COOKIES_FILE=cookies.json -e CRON_SECRET=… \\
  -e SUMMARY_FILE=summary.json script.js
\`\`\`
\`cookies.json\` is a JSON array of Cookie headers (\`drill sandbox --write-cookie-pool\` writes one per line).

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
