import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDuration } from '../../core/duration.ts';
import { exportK6 } from '../../k6/export.ts';
import { ingestK6 } from '../../k6/record.ts';
import { timelineFromK6Csv, type K6Timeline } from './k6-timeline.ts';
import type { LoadEngineRunner } from './phase.ts';

export interface K6EngineOptions {
  /** The k6 binary (default: `k6` on PATH). */
  binary?: string;
  /** The environment k6 runs with (PATH, proxies); drill adds its own variables. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The drill on a local k6: the exported script runs as a child process while drill keeps the
 * watcher and the alerts; k6's summary is then judged by drill's thresholds, like any engine.
 * The cookie pool goes to a private temporary directory that is removed after the run, so no
 * live session is left in the run directory (which CI uploads). CRON_SECRET reaches k6
 * through its environment, never its command line.
 */
export function k6Engine(options: K6EngineOptions = {}): LoadEngineRunner {
  return {
    async run(o) {
      const { plan } = o;
      const scriptDir = o.runDir.file('k6');
      exportK6({ scenario: plan.scenario, profile: plan.profile, thresholds: plan.thresholds, outDir: scriptDir, parallelism: 1, maxInFlight: o.config.stress.maxInFlight });
      const privateDir = mkdtempSync(path.join(os.tmpdir(), 'drill-k6-'));
      const cookiesFile = path.join(privateDir, 'cookies.json');
      const summaryFile = path.join(privateDir, 'summary.json');
      const metricsFile = path.join(privateDir, 'metrics.csv');
      writeFileSync(cookiesFile, JSON.stringify(plan.cookies), { mode: 0o600 });
      const startedAt = o.now();
      o.progress(`load: ${plan.profile.name} on k6, up to ${plan.profile.peakUsers} VUs for ${formatDuration(plan.profile.durationMs)}`, false);
      // k6 runs quiet: drill says how far along it is, so a long run is never silent.
      const ticker = setInterval(() => o.progress(`k6: ${formatDuration(o.now() - startedAt)} of ${formatDuration(plan.profile.durationMs)}`, true), 1000);
      let exit: { code: number | null; error: string | null };
      let timeline: K6Timeline | null = null;
      try {
        exit = await new Promise((resolve) => {
          // Every request's timing as CSV too: drill's own intervals, charts and histograms.
          const child = spawn(options.binary ?? 'k6', ['run', '--quiet', '--out', `csv=${metricsFile}`, path.join(scriptDir, 'script.js')], {
            cwd: privateDir,
            env: { ...(options.env ?? process.env), BASE_URL: plan.target, COOKIES_FILE: cookiesFile, SUMMARY_FILE: summaryFile, CRON_SECRET: plan.cronSecret ?? '', K6_CSV_TIME_FORMAT: 'unix_milli' },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-2000)));
          const stop = () => child.kill('SIGINT');
          o.signal.addEventListener('abort', stop, { once: true });
          child.on('error', (e) => resolve({ code: null, error: e.message }));
          child.on('exit', (code) => {
            o.signal.removeEventListener('abort', stop);
            // k6 exits 99 when its own thresholds failed, 108 when one aborted the run: the summary is still there.
            resolve({ code, error: code === 0 || code === 99 || code === 108 ? null : (stderr.trim().split('\n').pop() ?? `exit ${code}`) });
          });
        });
        if (existsSync(summaryFile)) copyFileSync(summaryFile, o.runDir.file('k6-summary.json'));
        timeline = await timelineFromK6Csv(metricsFile, plan.scenario, startedAt);
      } finally {
        clearInterval(ticker);
        rmSync(privateDir, { recursive: true, force: true });
      }
      const endedAt = o.now();
      const summary = o.runDir.file('k6-summary.json');
      const base = { startedAt, endedAt, percentileMs: () => null, generator: null, results: { k6ExitCode: exit.code } };
      if (!existsSync(summary)) {
        const noSummary = 'k6 wrote no summary: no load results to judge';
        return { ...base, load: null, abortedBy: null, fatal: exit.error ? `k6 failed: ${exit.error}; ${noSummary}` : noSummary, checks: [] };
      }
      const ingest = ingestK6([summary], plan.scenario);
      if (timeline) {
        const intervals = o.runDir.stream('intervals.ndjson');
        for (const interval of timeline.intervals) intervals.write(interval);
      }
      return {
        ...base,
        // The per-request CSV gives exact figures (and histograms); the summary is the fallback.
        load: timeline?.load ?? ingest.load,
        percentileMs: timeline ? timeline.percentileMs : base.percentileMs,
        abortedBy: exit.code === 108 ? 'k6 aborted the run on an abortOnFail threshold' : null,
        fatal: exit.error ? `k6 failed: ${exit.error}` : null,
        checks: ingest.podChecks,
        results: {
          ...base.results,
          k6: { files: ['k6-summary.json'], notes: timeline ? [`load figures from k6's per-request CSV (${timeline.requests} requests)`] : ingest.notes, spanMs: ingest.spanMs },
        },
      };
    },
  };
}
