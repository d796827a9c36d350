import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMerge, parseConfig, resolvedConfig } from '../config/load.ts';
import { runStress } from '../runs/stress.ts';
import { SANDBOX_ADMIN_PASSWORD, adminEmail } from '../sandbox/db/seed.ts';
import type { ScenarioInput } from '../scenarios/schema.ts';
import { sandboxOnTestDatabase, TEST_CRON_SECRET, type TestSandbox } from './helpers/sandbox.ts';
import { FAST_STRESS } from './helpers/stress.ts';

// Session routes only: every request shows whether its session still holds.
const SESSION_ROUTES: ScenarioInput = {
  name: 'sessions',
  routes: [
    { name: 'GET /api/admin/tags', method: 'GET', path: '/api/admin/tags', weight: 3, auth: 'session' },
    { name: 'GET /admin', method: 'GET', path: '/admin', weight: 1, auth: 'session' },
  ],
};

/** 20 s of load on sessions minted by stress.signIn, against 5 s tokens. */
async function run(sandbox: TestSandbox, refresh: boolean) {
  const config = resolvedConfig(
    parseConfig(
      deepMerge(FAST_STRESS, {
        stress: { signIn: { url: sandbox.url, projectRef: sandbox.options.projectRef, emails: [adminEmail(1), adminEmail(2)], sessions: 4, refresh } },
        thresholds: { overall: ['auth_failures<1'] },
      }),
    ),
  );
  return runStress({
    config, out: mkdtempSync(path.join(tmpdir(), 'drill-refresh-')), env: { DRILL_USER_PASSWORD: SANDBOX_ADMIN_PASSWORD },
    target: sandbox.url, profile: 'smoke', durationMs: 20_000, users: 4, scenario: SESSION_ROUTES, cronSecret: TEST_CRON_SECRET, workers: 1,
  });
}

describe('sessions that outlive their tokens (5 s tokens, a 20 s run)', () => {
  const refreshed = sandboxOnTestDatabase({ sessionTtl: '5s' });
  const unrefreshed = sandboxOnTestDatabase({ sessionTtl: '5s' });

  it('refreshed with the refresh-token grant: no auth failure at all; without refresh the auth alert fires, with its cause', async () => {
    const [withRefresh, without] = await Promise.all([run(refreshed.sandbox, true), run(unrefreshed.sandbox, false)]);

    expect(withRefresh.results.load!.overall.authFailures).toBe(0);
    expect(withRefresh.results.sessions).toMatchObject({ source: 'sign-in', refresh: true, refreshFailures: 0 });
    // Four sessions, each refreshed about every 2.5 s for 20 s.
    expect(withRefresh.results.sessions!.refreshed).toBeGreaterThanOrEqual(4 * 5);
    expect(withRefresh.alerts.find((a) => a.id === 'admin_auth_failures_spike')!.firedAt ?? null).toBeNull();
    expect(withRefresh.verdict).toBe('pass');

    // The tokens die 5 s into a 20 s run: most of the requests after that are refused.
    const { authFailures, requests } = without.results.load!.overall;
    expect(authFailures).toBeGreaterThan(10);
    expect(authFailures / requests).toBeGreaterThan(0.5);
    expect(without.alerts.find((a) => a.id === 'admin_auth_failures_spike')!.firedAt).toBeTruthy();
    expect(without.verdict).toBe('fail');
    const cause = without.checks.find((c) => c.id === 'sessions.auth')!;
    expect(cause.status).toBe('warn');
    expect(cause.summary).toMatch(/auth failures: the sessions expired .* into the load .*stress\.signIn\.refresh is off/);
  }, 90_000);
});
