import { existsSync } from 'node:fs';
import type { DrillConfig } from '../config/schema.ts';
import { CannotRunError } from '../core/errors.ts';
import { summarize } from '../core/stats.ts';
import type { AlertResult, CheckResultInput } from '../record/run-record.ts';
import type { RunDir } from '../record/run-dir.ts';
import { AlertEvaluator } from './alerts/evaluator.ts';
import type { Transition } from './alerts/tracker.ts';
import { backlogOf, type HealthSample } from '../record/health.ts';
import { LogAnalyzer, type LogAnswers } from './logs/analyze.ts';
import type { ParsedLine } from './logs/parse.ts';
import { followLogFile, readLogStream, startLogDrain, type LogDrain } from './logs/sources.ts';
import { componentsCheck, judgeBaseline, logsReceivedCheck, logsWorkerCheck, type BaselineVerdict } from './evidence.ts';
import { Watcher } from './watcher.ts';

export type LogSource = { kind: 'file'; path: string } | { kind: 'stdin' } | { kind: 'drain'; port: number; host?: string };

export interface SignalSessionOptions {
  config: DrillConfig;
  target: string;
  cronSecret?: string;
  runDir: RunDir;
  logs?: LogSource | null;
  onSample?(sample: HealthSample): void;
  onTransition?(id: string, transition: Transition): void;
  now?: () => number;
}

/**
 * The watcher, the alert rules and the log reader, wired together for one run. Every
 * sample, alert transition and log event is appended to its NDJSON stream on arrival.
 */
export class SignalSession {
  readonly evaluator: AlertEvaluator;
  readonly analyzer: LogAnalyzer | null;
  private readonly watcher: Watcher;
  private readonly samples: HealthSample[] = [];
  private readonly logStop = new AbortController();
  private logTask: Promise<void> | null = null;
  private drain: LogDrain | null = null;
  private readonly now: () => number;
  private logsFromMs: number | null = null;
  private stoppedAtMs: number | null = null;
  private baseline: BaselineVerdict | null = null;

  constructor(private readonly options: SignalSessionOptions) {
    const { config, runDir } = options;
    this.now = options.now ?? Date.now;
    const transitions = runDir.stream('alerts.ndjson');
    this.evaluator = new AlertEvaluator(config, (id, transition) => {
      transitions.write({ id, ...transition });
      options.onTransition?.(id, transition);
    });
    this.analyzer = options.logs ? new LogAnalyzer(2 * (config.alerts.worker_cron_failing?.cronPeriod ?? 60_000)) : null;
    const sampleStream = runDir.stream('samples.ndjson');
    this.watcher = new Watcher({
      target: options.target,
      intervalMs: config.watch.interval,
      timeoutMs: config.watch.timeout,
      healthPath: config.watch.healthPath,
      queueKey: config.watch.queueKey,
      componentsKey: config.watch.componentsKey,
      cronSecret: options.cronSecret,
      publicProbes: true,
      now: this.now,
      onSample: (sample) => {
        sampleStream.write(sample);
        this.samples.push(sample);
        this.evaluator.observeSample(sample);
        options.onSample?.(sample);
      },
    });
  }

  /** One sample before anything starts: a target that does not answer at all is exit 3. */
  async preflight(): Promise<HealthSample> {
    const sample = await this.watcher.sampleNow();
    if (sample.httpStatus === null) {
      throw new CannotRunError(`target ${this.options.target} did not answer at start (${sample.error}); is it running and reachable?`, 'E_TARGET_UNREACHABLE');
    }
    return sample;
  }

  async start(): Promise<void> {
    const logs = this.options.logs;
    if (logs) {
      this.logsFromMs = this.now();
      this.evaluator.state.attachLogs(this.logsFromMs);
      const stream = this.options.runDir.stream('logs.ndjson');
      const onLine = (parsed: ParsedLine) => {
        this.analyzer!.observeLine(parsed);
        if (parsed.ok) {
          this.evaluator.observeLogEvent(parsed.event);
          if (parsed.event.event) stream.write(parsed.event);
        }
      };
      if (logs.kind === 'file') this.logTask = followLogFile(logs.path, onLine, this.logStop.signal);
      else if (logs.kind === 'stdin') this.logTask = readLogStream(process.stdin, onLine, Date.now, this.logStop.signal);
      else this.drain = await startLogDrain(logs.port, onLine, logs.host);
      if (logs.kind === 'file' && !existsSync(logs.path)) {
        // Not fatal: the app may create it. Said once so an operator notices a wrong path.
        this.options.runDir.stream('notes.ndjson').write({ t: new Date().toISOString(), note: `log file ${logs.path} does not exist yet` });
      }
    }
    this.watcher.start();
  }

  get drainUrl(): string | null {
    return this.drain?.url ?? null;
  }

  async stop(): Promise<void> {
    this.stoppedAtMs ??= this.now();
    await this.watcher.stop();
    this.logStop.abort();
    await this.logTask?.catch(() => {});
    await this.drain?.close();
  }

  /**
   * Marks the end of the "normal" period (before load): its failure rates, and its backlog
   * as "normal" unless the baseline itself breaks a runbook rule (see judgeBaseline).
   */
  setBaseline(fromMs: number, toMs: number): BaselineVerdict {
    this.baseline = judgeBaseline(this.samples.filter((s) => s.tMs >= fromMs && s.tMs <= toMs), this.options.config);
    this.evaluator.state.setBaseline(fromMs, toMs, this.baseline.backlog);
    return this.baseline;
  }

  alerts(): AlertResult[] {
    return this.evaluator.results();
  }

  logAnswers(): LogAnswers | null {
    return this.analyzer?.answers() ?? null;
  }

  /** Checks on the observation itself: a run whose samples failed must not pass quietly. */
  checks(): CheckResultInput[] {
    const { config } = this.options;
    const total = this.samples.length;
    const failed = this.samples.filter((s) => s.error !== null);
    const withQueue = this.samples.filter((s) => s.queue !== null).length;
    const ratio = total ? failed.length / total : 1;
    const errors = [...new Set(failed.map((s) => s.error))].slice(0, 5);
    const limit = config.watch.maxFailedSampleRatio;
    const checks: CheckResultInput[] = [
      {
        id: 'watch.samples',
        title: 'Health samples were readable',
        status: total === 0 ? 'error' : ratio > limit ? 'fail' : failed.length ? 'warn' : 'pass',
        summary:
          total === 0
            ? 'no samples were taken'
            : `${total - failed.length} of ${total} samples readable (${failed.length} failed; limit ${Math.round(limit * 100)}%)`,
        evidence: { total, failed: failed.length, errors, firstFailedAt: failed[0]?.t ?? null },
      },
    ];
    const queueErrors = [...new Set(this.samples.map((s) => s.queueError).filter(Boolean))].slice(0, 3);
    checks.push({
      id: 'watch.snapshot',
      title: 'Queue snapshot visible',
      strict: config.watch.requireSnapshot,
      status: withQueue > 0 ? 'pass' : 'not_evaluated',
      summary: withQueue > 0 ? `queue snapshot read in ${withQueue} of ${total} samples` : `no sample carried the queue snapshot (${queueErrors[0] ?? 'unknown'}): the queue alerts were not evaluated`,
      evidence: { withQueue, total, queueErrors },
    });
    checks.push(componentsCheck(this.samples));
    const answers = this.logAnswers();
    if (answers && this.logsFromMs !== null) {
      const logs = { fromMs: this.logsFromMs, toMs: this.stoppedAtMs ?? this.now(), answers };
      checks.push(logsReceivedCheck(logs), logsWorkerCheck(logs, config));
    }
    return checks;
  }

  /** Numbers for the record: sample timing and the queue's range over the run. */
  results(): Record<string, unknown> {
    const queue = this.samples.filter((s) => s.queue);
    const first = queue[0]?.queue ?? null;
    const last = queue[queue.length - 1]?.queue ?? null;
    return {
      samples: {
        count: this.samples.length,
        failed: this.samples.filter((s) => s.error).length,
        lagMs: summarize(this.samples.map((s) => s.lagMs)),
        latencyMs: summarize(this.samples.filter((s) => !s.error).map((s) => s.latencyMs)),
      },
      queue: first && {
        first,
        last,
        maxBacklog: Math.max(...queue.map((s) => backlogOf(s)!)),
        maxOldestReadyAgeSeconds: Math.max(...queue.map((s) => s.queue!.oldest_ready_age_seconds ?? 0)),
      },
      logs: this.logAnswers(),
      ...(this.baseline ? { baseline: this.baseline } : {}),
    };
  }

  /** The samples so far (a copy), oldest first. */
  samplesSoFar(): HealthSample[] {
    return [...this.samples];
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  latest(): HealthSample | null {
    return this.samples[this.samples.length - 1] ?? null;
  }
}
