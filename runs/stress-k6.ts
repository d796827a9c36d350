import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDuration } from '../core/duration.ts';
import { exportK6 } from '../k6/export.ts';
import { withK6Results } from '../k6/record.ts';
import type { CheckResultInput, RunRecordInput } from '../reports/record.ts';
import { SignalSession } from '../signals/session.ts';
import { finishRecord } from './record-base.ts';
import type { StressOptions } from './stress.ts';
import { sleep, streamsOf } from './watch.ts';

/** The same inputs as a drill on the built-in engine, plus how to reach k6. */
export interface K6StressOptions
  extends Pick<StressOptions, 'config' | 'target' | 'profile' | 'scenario' | 'cookies' | 'cronSecret' | 'logs' | 'runDir' | 'signal'> {
  k6Binary?: string;
  /** The environment k6 runs with (PATH, proxies); drill adds its own variables. */
  env?: NodeJS.ProcessEnv;
  onProgress?(line: string): void;
}

/**
 * The drill on a local k6: the exported script runs as a child process while drill keeps
 * the watcher and the alerts; k6's handleSummary JSON is then judged by drill's thresholds.
 * CRON_SECRET reaches k6 through its environment, never its command line.
 */
export async function runStressOnK6(o: K6StressOptions): Promise<RunRecordInput> {
  const progress = o.onProgress ?? (() => {});
  const startedAt = Date.now();
  const k6Dir = o.runDir.file('k6');
  mkdirSync(k6Dir, { recursive: true });
  exportK6(o.scenario, o.profile, k6Dir, 1);
  writeFileSync(path.join(k6Dir, 'cookies.json'), JSON.stringify(o.cookies), { mode: 0o600 });
  const summaryFile = o.runDir.file('k6-summary.json');
  const session = new SignalSession({ config: o.config, target: o.target, cronSecret: o.cronSecret, runDir: o.runDir, logs: o.logs });
  await session.preflight();
  await session.start();
  await sleep(o.config.stress.baseline, o.signal);
  session.setBaseline(startedAt, Date.now());
  progress(`load: ${o.profile.name} on k6, up to ${o.profile.peakUsers} VUs for ${formatDuration(o.profile.durationMs)}`);
  const exit = await new Promise<{ code: number | null; error: string | null }>((resolve) => {
    const child = spawn(o.k6Binary ?? 'k6', ['run', '--quiet', path.join(k6Dir, 'script.js')], {
      cwd: k6Dir,
      env: { ...(o.env ?? process.env), BASE_URL: o.target, COOKIES_FILE: path.join(k6Dir, 'cookies.json'), SUMMARY_FILE: summaryFile, CRON_SECRET: o.cronSecret ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-2000)));
    const stop = () => child.kill('SIGINT');
    o.signal.addEventListener('abort', stop, { once: true });
    child.on('error', (e) => resolve({ code: null, error: e.message }));
    child.on('exit', (code) => {
      o.signal.removeEventListener('abort', stop);
      resolve({ code, error: code === 0 || code === 99 ? null : stderr.trim().split('\n').pop() ?? `exit ${code}` });
    });
  });
  await session.stop();
  const checks: CheckResultInput[] = [...session.checks()];
  // k6 exits 99 when its own thresholds failed: the summary is still there and drill judges it.
  if (exit.error) checks.push({ id: 'load.engine', status: 'error', summary: `k6 failed: ${exit.error}`, evidence: { exitCode: exit.code } });
  const record = finishRecord({
    kind: 'stress',
    target: o.target,
    startedAt,
    endedAt: Date.now(),
    config: o.config,
    signal: o.signal,
    checks,
    alerts: session.alerts(),
    streams: streamsOf(o),
    results: { profile: { name: o.profile.name, stages: o.profile.stages, peakUsers: o.profile.peakUsers, durationMs: o.profile.durationMs }, k6ExitCode: exit.code, ...session.results() },
  });
  if (!existsSync(summaryFile)) {
    return { ...record, verdict: 'fail', reasons: [...(record.reasons ?? []), 'k6 wrote no summary: no load results to judge'] };
  }
  return withK6Results(record, [summaryFile], o.scenario, o.profile.thresholds, o.config);
}
