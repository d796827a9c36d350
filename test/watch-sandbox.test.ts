import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/pg.ts';
import { TEST_CRON_SECRET, startTestSandbox } from './helpers/sandbox.ts';
import { fired, watchFor } from './helpers/watch.ts';

// Each injected fault must fire its runbook alert; a healthy sandbox must fire none.
let database: TestDatabase;
let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;

beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startTestSandbox({ databaseUrl: database.url, ambientJobsPerTick: 1, cronInterval: '200ms' });
});

afterAll(async () => {
  await sandbox?.stop();
  await database?.drop();
});

beforeEach(async () => {
  sandbox.faults.clear();
  await sandbox.worker.idle();
  // Let a clean tick drain whatever the previous fault left ready.
  await new Promise((resolve) => setTimeout(resolve, 500));
});

const logs = () => ({ kind: 'file' as const, path: sandbox.logFile });
const watch = (ms: number, extra: Parameters<typeof watchFor>[2] = {}) =>
  watchFor(sandbox.url, ms, { cronSecret: TEST_CRON_SECRET, logs: logs(), ...extra });

describe('drill watch against the sandbox', () => {
  it('a healthy sandbox fires no alert and passes', async () => {
    const { record } = await watch(4000);
    expect(fired(record)).toEqual([]);
    expect(record.verdict).toBe('pass');
    expect(record.checks.every((c) => c.status === 'pass')).toBe(true);
    const logAnswers = record.results.logs as { workerRan: { answer: string }; claimedWork: { answer: string } };
    expect(logAnswers.workerRan.answer).toBe('yes');
    expect(logAnswers.claimedWork.answer).toBe('yes');
  });

  it('degraded fires health_degraded', async () => {
    sandbox.faults.add('degraded');
    const { record } = await watch(2500);
    expect(fired(record)).toContain('health_degraded');
    expect(record.verdict).toBe('fail');
    expect(record.reasons.join('\n')).toMatch(/health_degraded/);
  });

  it('job-fails fires dead_letter_nonzero', async () => {
    sandbox.faults.add('job-fails:recovery_email');
    const [cookie] = await sandbox.mintCookies(1);
    const { record } = await watch(3000, {
      during: async () => {
        await fetch(`${sandbox.url}/api/admin/jobs`, {
          method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/json' }, body: JSON.stringify({ job_type: 'recovery_email' }),
        });
      },
    });
    expect(fired(record)).toContain('dead_letter_nonzero');
    const logAnswers = record.results.logs as { repeatedFailures: { topTypes: { jobType: string }[] } };
    expect(logAnswers.repeatedFailures.topTypes[0]!.jobType).toBe('recovery_email');
  });

  it('cron-stopped fires worker_cron_failing, queue_backlog_high and oldest_ready_age_high', async () => {
    sandbox.faults.add('cron-stopped');
    const { record } = await watch(4000);
    expect(fired(record)).toEqual(expect.arrayContaining(['worker_cron_failing', 'queue_backlog_high', 'oldest_ready_age_high']));
  });

  it('cron-stopped fires worker_cron_failing from the queue alone, without logs', async () => {
    sandbox.faults.add('cron-stopped');
    const { record } = await watch(4000, { logs: null });
    expect(fired(record)).toContain('worker_cron_failing');
    expect(record.alerts.find((a) => a.id === 'worker_cron_failing')!.summary).toMatch(/ready work not moving/);
  });

  it('webhook-failures fires webhook_failures_spike', async () => {
    sandbox.faults.add('webhook-failures');
    const { record } = await watch(3500);
    expect(fired(record)).toContain('webhook_failures_spike');
  });

  it('auth-expired fires admin_auth_failures_spike from the app logs', async () => {
    sandbox.faults.add('auth-expired');
    const [cookie] = await sandbox.mintCookies(1);
    const { record } = await watch(2500, {
      during: async () => {
        for (let i = 0; i < 12; i += 1) await fetch(`${sandbox.url}/api/admin/tags`, { headers: { cookie: cookie! } });
      },
    });
    expect(fired(record)).toContain('admin_auth_failures_spike');
  });

  it('without CRON_SECRET the snapshot check is not evaluated (never a silent pass), nor are the queue alerts', async () => {
    const { record } = await watch(1000, { cronSecret: undefined, logs: null });
    const snapshot = record.checks.find((c) => c.id === 'watch.snapshot')!;
    expect(snapshot.status).toBe('not_evaluated');
    expect(snapshot.summary).toMatch(/no CRON_SECRET given.*the queue alerts were not evaluated/);
    expect(record.verdict).toBe('fail');
    for (const id of ['queue_backlog_high', 'oldest_ready_age_high', 'dead_letter_nonzero']) {
      expect(record.alerts.find((a) => a.id === id)).toMatchObject({ state: 'not_evaluated', summary: expect.stringMatching(/^not evaluated: no readable queue snapshot/) });
    }
  });
});
