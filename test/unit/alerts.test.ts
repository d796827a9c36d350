import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import type { DrillConfigInput } from '../../config/schema.ts';
import { AlertEvaluator } from '../../signals/alerts/evaluator.ts';
import { normalBacklog } from '../../signals/alerts/rules.ts';
import { prometheusRules } from '../../signals/alerts/prometheus.ts';
import { AlertTracker } from '../../signals/alerts/tracker.ts';
import type { HealthSample } from '../../record/health.ts';
import type { LogEvent } from '../../signals/logs/parse.ts';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;

interface Point {
  at: number;
  degraded?: boolean;
  error?: string;
  pending?: number;
  retrying?: number;
  dead?: number;
  age?: number | null;
  oldestAt?: string | null;
  noQueue?: boolean;
}

function sample(p: Point, seq = 0): HealthSample {
  const queue = p.noQueue || p.error
    ? null
    : {
        pending: p.pending ?? 0,
        retrying: p.retrying ?? 0,
        processing: 0,
        dead_letter: p.dead ?? 0,
        oldest_ready_at: p.oldestAt ?? (p.age ? new Date(T0 + p.at - p.age * SEC).toISOString() : null),
        oldest_ready_age_seconds: p.age ?? null,
      };
  return {
    seq, t: new Date(T0 + p.at).toISOString(), tMs: T0 + p.at, lagMs: 0,
    httpStatus: p.error ? null : p.degraded ? 503 : 200, latencyMs: 5,
    degraded: p.error ? null : (p.degraded ?? false), status: p.error ? null : p.degraded ? 'degraded' : 'ok',
    queue, queueError: queue ? null : 'none', error: p.error ?? null,
  };
}

/** Feeds samples every `step` from `from` to `to` (ms from T0), with a point builder. */
function run(evaluator: AlertEvaluator, from: number, to: number, step: number, build: (at: number) => Omit<Point, 'at'>) {
  for (let at = from; at <= to; at += step) evaluator.observeSample(sample({ at, ...build(at) }));
}

function alert(evaluator: AlertEvaluator, id: string) {
  return evaluator.results().find((a) => a.id === id)!;
}

function evaluator(config: DrillConfigInput = {}) {
  return new AlertEvaluator(parseConfig(config));
}

function logEvent(at: number, event: string, extra: Partial<LogEvent> = {}): LogEvent {
  return { tMs: T0 + at, event, level: 30, jobType: null, jobId: null, attempt: null, error: null, extra: {}, ...extra };
}

describe('AlertTracker: Prometheus for: semantics', () => {
  it('goes pending, fires after for:, resolves when clear', () => {
    const t = new AlertTracker('x', 2 * MIN);
    expect(t.update(0, true, 1, 'bad')?.state).toBe('pending');
    expect(t.update(MIN, true, 1, 'bad')).toBeNull();
    expect(t.update(2 * MIN, true, 1, 'bad')?.state).toBe('firing');
    expect(t.update(3 * MIN, false, 0, 'ok')?.state).toBe('resolved');
    expect(t.toResult()).toMatchObject({ state: 'resolved', firedAt: new Date(2 * MIN).toISOString(), resolvedAt: new Date(3 * MIN).toISOString() });
  });
  it('any clean evaluation resets pending', () => {
    const t = new AlertTracker('x', 2 * MIN);
    t.update(0, true, 1, 'bad');
    t.update(90 * SEC, false, 0, 'ok');
    t.update(100 * SEC, true, 1, 'bad');
    t.update(200 * SEC, true, 1, 'bad');
    expect(t.state).toBe('pending');
    expect(t.timeline.map((x) => x.state)).toEqual(['pending', 'inactive', 'pending']);
  });
});

describe('health_degraded (for 2m)', () => {
  it('fires when degraded for more than 2 minutes', () => {
    const e = evaluator();
    run(e, 0, 3 * MIN, 5 * SEC, (at) => ({ degraded: at >= 30 * SEC }));
    const a = alert(e, 'health_degraded');
    expect(a.state).toBe('firing');
    expect(a.firedAt).toBe(new Date(T0 + 150 * SEC).toISOString());
  });
  it('counts failed samples (target down) as unhealthy', () => {
    const e = evaluator();
    run(e, 0, 3 * MIN, 5 * SEC, () => ({ error: 'ECONNREFUSED' }));
    expect(alert(e, 'health_degraded').state).toBe('firing');
  });
  it('does not fire on a blip shorter than for:', () => {
    const e = evaluator();
    run(e, 0, 10 * MIN, 5 * SEC, (at) => ({ degraded: at >= MIN && at < MIN + 110 * SEC }));
    const a = alert(e, 'health_degraded');
    expect(a.state).toBe('inactive');
    expect(a.firedAt).toBeNull();
    expect(a.timeline.map((t) => t.state)).toEqual(['pending', 'inactive']);
  });
});

describe('queue_backlog_high (above normal for 10m)', () => {
  it('fires when the backlog stays above the configured number for 10 minutes', () => {
    const e = evaluator({ alerts: { queue_backlog_high: { threshold: 100 } } });
    run(e, 0, 12 * MIN, 10 * SEC, (at) => ({ pending: at >= MIN ? 150 : 5, retrying: 10 }));
    expect(alert(e, 'queue_backlog_high').state).toBe('firing');
  });
  it('uses the baseline when no number is configured', () => {
    expect(normalBacklog(0, null, 10)).toBe(10);
    expect(normalBacklog(400, null, 10)).toBe(600);
    expect(normalBacklog(400, 50, 10)).toBe(50);
    expect(normalBacklog(null, null, 25)).toBe(25);
    const e = evaluator({ alerts: { queue_backlog_high: { for: '1m' } } });
    e.state.setBaseline(T0 - MIN, T0, 300); // the pre-load period measured 300
    run(e, 0, 3 * MIN, 10 * SEC, (at) => ({ pending: at >= 30 * SEC ? 400 : 300 }));
    expect(alert(e, 'queue_backlog_high').state).toBe('inactive'); // 400 <= 300 + 150
    run(e, 3 * MIN + 10 * SEC, 6 * MIN, 10 * SEC, () => ({ pending: 500 }));
    expect(alert(e, 'queue_backlog_high').state).toBe('firing');
  });
  it('without a measured baseline, a watch that starts mid-incident still alerts (configured normal, not the first sample)', () => {
    const e = evaluator({ alerts: { queue_backlog_high: { for: '1m', normal: 50 } } });
    run(e, 0, 3 * MIN, 10 * SEC, () => ({ pending: 5000 }));
    expect(alert(e, 'queue_backlog_high').state).toBe('firing');
  });

  it('does not fire on a 9-minute burst', () => {
    const e = evaluator({ alerts: { queue_backlog_high: { threshold: 100 } } });
    run(e, 0, 20 * MIN, 10 * SEC, (at) => ({ pending: at >= MIN && at < 10 * MIN ? 500 : 0 }));
    expect(alert(e, 'queue_backlog_high').firedAt).toBeNull();
  });
});

describe('oldest_ready_age_high (over 300 s)', () => {
  it('fires as soon as the oldest ready job passes 300 s', () => {
    const e = evaluator();
    run(e, 0, 6 * MIN, 10 * SEC, (at) => ({ pending: 3, age: at / SEC }));
    const a = alert(e, 'oldest_ready_age_high');
    expect(a.state).toBe('firing');
    expect(a.firedAt).toBe(new Date(T0 + 310 * SEC).toISOString());
  });
  it('stays quiet while jobs are picked up within 300 s', () => {
    const e = evaluator();
    run(e, 0, 20 * MIN, 10 * SEC, (at) => ({ pending: 3, age: (at / SEC) % 240 }));
    expect(alert(e, 'oldest_ready_age_high').state).toBe('inactive');
  });
});

describe('dead_letter_nonzero (an increase over the starting value)', () => {
  it('fires when dead_letter rises, resolves only if it goes back', () => {
    const e = evaluator();
    run(e, 0, MIN, 5 * SEC, (at) => ({ dead: at >= 30 * SEC ? 3 : 2 }));
    const a = alert(e, 'dead_letter_nonzero');
    expect(a.state).toBe('firing');
    expect(a.timeline[0]).toMatchObject({ state: 'firing', value: 3, reason: 'dead_letter 3 (lowest this run 2)' });
  });
  it('still fires for new dead letters after an operator requeued the old ones', () => {
    const e = evaluator();
    run(e, 0, MIN, 10 * SEC, (at) => ({ dead: at < 20 * SEC ? 5 : at < 40 * SEC ? 0 : 2 }));
    expect(alert(e, 'dead_letter_nonzero').state).toBe('firing');
  });

  it('does not fire on a pre-existing, unchanged dead-letter count', () => {
    const e = evaluator();
    run(e, 0, 5 * MIN, 5 * SEC, () => ({ dead: 7 }));
    expect(alert(e, 'dead_letter_nonzero').state).toBe('inactive');
  });
});

describe('worker_cron_failing (no progress for N cron periods)', () => {
  const config = { alerts: { worker_cron_failing: { cronPeriod: '1m', threshold: 3 } } } as const;
  it('fires from the queue alone when ready work stops moving', () => {
    const e = evaluator(config);
    const stuckAt = new Date(T0).toISOString();
    run(e, 0, 4 * MIN, 10 * SEC, () => ({ pending: 5, oldestAt: stuckAt, age: 1 }));
    const a = alert(e, 'worker_cron_failing');
    expect(a.state).toBe('firing');
    expect(a.firedAt).toBe(new Date(T0 + 190 * SEC).toISOString());
  });
  it('stays quiet while the oldest ready job keeps being taken', () => {
    const e = evaluator(config);
    run(e, 0, 10 * MIN, 10 * SEC, (at) => ({ pending: 5, oldestAt: new Date(T0 + at - 5 * SEC).toISOString(), age: 5 }));
    expect(alert(e, 'worker_cron_failing').state).toBe('inactive');
  });
  it('with logs, fires when cron runs stop even if the queue is empty', () => {
    const e = evaluator(config);
    e.state.attachLogs(T0);
    for (let at = 0; at <= 8 * MIN; at += 10 * SEC) {
      if (at <= 2 * MIN && at % MIN === 0) e.observeLogEvent(logEvent(at, 'background_job_cron.finished'));
      e.observeSample(sample({ at }));
    }
    const a = alert(e, 'worker_cron_failing');
    expect(a.state).toBe('firing');
    expect(a.firedAt).toBe(new Date(T0 + 5 * MIN + 10 * SEC).toISOString());
  });
  it('logs attached but no cron event yet (a drain not pointed here): the queue decides', () => {
    const e = evaluator(config);
    e.state.attachLogs(T0);
    run(e, 0, 8 * MIN, 10 * SEC, (at) => ({ pending: 5, oldestAt: new Date(T0 + at - 5 * SEC).toISOString(), age: 5 }));
    expect(alert(e, 'worker_cron_failing').state).toBe('inactive');
  });

  it('with logs, a cron that keeps finishing is quiet', () => {
    const e = evaluator(config);
    e.state.attachLogs(T0);
    for (let at = 0; at <= 10 * MIN; at += 10 * SEC) {
      if (at % MIN === 0) e.observeLogEvent(logEvent(at, 'background_job_cron.finished'));
      e.observeSample(sample({ at, pending: 3, age: 1, oldestAt: new Date(T0).toISOString() }));
    }
    expect(alert(e, 'worker_cron_failing').state).toBe('inactive');
  });
});

describe('webhook_failures_spike and admin_auth_failures_spike', () => {
  it('fires when failures in the window pass the minimum and the baseline factor', () => {
    const e = evaluator({ alerts: { webhook_failures_spike: { window: '1m', threshold: 5, factor: 3 } } });
    e.state.attachLogs(T0);
    // Baseline: 1 failure a minute for 5 minutes.
    for (let m = 0; m < 5; m += 1) e.observeLogEvent(logEvent(m * MIN + 1, 'webhook_delivery.failed'));
    e.state.setBaseline(T0, T0 + 5 * MIN, 0);
    run(e, 5 * MIN, 6 * MIN, 10 * SEC, () => ({}));
    expect(alert(e, 'webhook_failures_spike').state).toBe('inactive');
    for (let i = 0; i < 8; i += 1) e.observeLogEvent(logEvent(6 * MIN + i * 1000, 'webhook_delivery.failed'));
    e.observeSample(sample({ at: 6 * MIN + 10 * SEC }));
    expect(alert(e, 'webhook_failures_spike').state).toBe('firing');
  });
  it('a steady failure rate at the baseline is not a spike', () => {
    const e = evaluator({ alerts: { webhook_failures_spike: { window: '1m', threshold: 5, factor: 3 } } });
    e.state.attachLogs(T0);
    for (let s = 0; s < 20 * 60; s += 6) e.observeLogEvent(logEvent(s * SEC, 'webhook_delivery.failed')); // 10/min all along
    e.state.setBaseline(T0, T0 + 10 * MIN, 0);
    run(e, 10 * MIN, 20 * MIN, 10 * SEC, () => ({}));
    expect(alert(e, 'webhook_failures_spike').state).toBe('inactive');
  });
  it('counts the drill’s own 401s as admin auth failures', () => {
    const e = evaluator({ alerts: { admin_auth_failures_spike: { window: '30s', threshold: 10 } } });
    e.observeSample(sample({ at: 0 }));
    expect(alert(e, 'admin_auth_failures_spike').summary).toMatch(/^not evaluated/);
    e.state.observeAuthFailures(T0, 0); // the load engine reports from its first request on
    e.observeSample(sample({ at: 1 }));
    expect(alert(e, 'admin_auth_failures_spike').summary).toMatch(/^inactive/);
    e.state.observeAuthFailures(T0 + 5 * SEC, 25);
    e.observeSample(sample({ at: 10 * SEC }));
    expect(alert(e, 'admin_auth_failures_spike').state).toBe('firing');
    run(e, 50 * SEC, 60 * SEC, 10 * SEC, () => ({}));
    expect(alert(e, 'admin_auth_failures_spike').state).toBe('resolved');
  });
  it('a few auth failures (below the minimum) are not a spike', () => {
    const e = evaluator();
    e.state.observeAuthFailures(T0 + 5 * SEC, 4);
    run(e, 0, 5 * MIN, 10 * SEC, () => ({}));
    expect(alert(e, 'admin_auth_failures_spike').state).toBe('inactive');
  });
  it('says when it could not evaluate', () => {
    const e = evaluator();
    run(e, 0, MIN, 10 * SEC, () => ({}));
    expect(alert(e, 'webhook_failures_spike').summary).toBe('not evaluated: no logs given (--logs or --log-drain)');
  });
});

describe('config overrides', () => {
  it('a disabled rule never fires', () => {
    const e = evaluator({ alerts: { dead_letter_nonzero: { enabled: false } } });
    run(e, 0, MIN, 10 * SEC, (at) => ({ dead: at > 0 ? 5 : 0 }));
    expect(alert(e, 'dead_letter_nonzero')).toMatchObject({ state: 'not_evaluated', summary: 'not evaluated: disabled by config', firedAt: null });
  });
  it('holds state when a sample has no queue data', () => {
    const e = evaluator();
    run(e, 0, 20 * SEC, 10 * SEC, () => ({ dead: 0 }));
    run(e, 30 * SEC, 60 * SEC, 10 * SEC, () => ({ noQueue: true }));
    expect(alert(e, 'dead_letter_nonzero').state).toBe('inactive');
  });
});

describe('the exported Prometheus rules', () => {
  it('say plainly they are a template, and list every metric they read with its type', () => {
    const text = prometheusRules(parseConfig({}));
    const header = text.split('\n').filter((l) => l.startsWith('#'));
    expect(header.join('\n')).toMatch(/TEMPLATE\. These rules read metrics that neither CE Pro nor drill publishes today/);
    const body = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const used = [...new Set(body.match(/cepro_[a-z_]+/g))].sort();
    const listed = header.map((l) => /^# {3}(cepro_[a-z_]+) \((gauge|counter)\): \S/.exec(l)?.[1]).filter(Boolean).sort();
    expect(used.length).toBeGreaterThan(5);
    expect(listed).toEqual(used);
  });
});
