import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { fakeK6Bin } from './helpers/fake-k6.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, sandboxWorkDir, type TestSandbox } from './helpers/sandbox.ts';

// Every engine is planned by the same code before it starts: the target allow-list, the
// caps in `limits`, and the threshold list. Refused hosts are under .invalid (RFC 2606),
// which never resolves: no test can ever send a byte to a real non-loopback address.
const ENGINES = ['drill', 'autocannon', 'k6'] as const;
const REFUSED = 'http://staging.cepro.invalid:3999';

const fixture = sandboxOnTestDatabase({});
let sandbox: TestSandbox;
let cwd: string;
let bin: string;

beforeAll(async () => {
  ({ sandbox } = fixture);
  bin = fakeK6Bin();
  cwd = await sandboxWorkDir(sandbox, 'engine-path', {
    watch: { interval: '250ms' },
    stress: { baseline: '300ms', recoveryTimeout: '5s', timeout: '3s' },
    limits: { maxUsers: 20, maxDuration: '1m' },
    thresholds: { overall: ['p(95)<5000'], 'GET /api/admin/tags': ['p(99)<5000', 'error_rate<50%'] },
  });
  // No HEAD route, so autocannon runs the same routes as the others.
  writeFileSync(
    path.join(cwd, 'scenario.json'),
    JSON.stringify({ name: 'two', routes: [{ path: '/api/admin/tags', weight: 1 }, { path: '/api/admin/services', weight: 1 }] }),
  );
});

function stress(engine: string, args: string[], spy?: string) {
  return runCli(['stress', '--engine', engine, '--cookies', 'cookies.txt', '--scenario', 'scenario.json', ...args], {
    cwd,
    env: { PATH: `${bin}:${process.env.PATH}`, CRON_SECRET: TEST_CRON_SECRET, ...(spy ? { FAKE_K6_SPY: spy } : {}) },
  });
}

describe.each(ENGINES)('--engine %s', (engine) => {
  it('refuses a host that is not allow-listed with exit 2, before anything starts', async () => {
    const out = path.join(cwd, `refused-${engine}`);
    const spy = mkdtempSync(path.join(tmpdir(), 'k6-spy-'));
    const { code, stderr } = await stress(engine, ['--target', REFUSED, '--profile', 'max', '--users', '2', '--duration', '2s', '--out', out], spy);
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/staging\.cepro\.invalid is not loopback and not allow-listed; add it to targets\.allow/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(spy, 'args'))).toBe(false);
  });

  it('passes the allow-list with --allow-target, then finds the host unreachable (exit 3, not 2)', async () => {
    const { code, stderr } = await stress(engine, ['--target', REFUSED, '--allow-target', 'staging.cepro.invalid', '--profile', 'max', '--users', '2', '--duration', '2s', '--out', path.join(cwd, `allowed-${engine}`)]);
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/did not answer at start/);
  });

  it('refuses plans over the caps with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--profile', 'max', '--users', '50', '--duration', '2s'], /50 users is over the cap of 20/],
      [['--profile', 'max', '--users', '2', '--duration', '2m'], /2m is over the cap of 1m/],
    ];
    // A paced plan's rate is users / think time; autocannon runs closed loops only.
    if (engine !== 'autocannon') cases.push([['--profile', 'smoke', '--users', '20', '--duration', '10s', '--config', 'rate-cap.json'], /over the cap of 5; lower --users/]);
    writeFileSync(path.join(cwd, 'rate-cap.json'), JSON.stringify({ limits: { maxRatePerSecond: 5 } }));
    for (const [args, message] of cases) {
      const { code, stderr } = await stress(engine, ['--target', sandbox.url, ...args]);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});

describe('the same inputs give the same thresholds on every engine', () => {
  it('profile and config thresholds, appended, judged under the same ids', async () => {
    const lists: Record<string, string[]> = {};
    for (const engine of ENGINES) {
      const out = path.join(cwd, `same-${engine}`);
      const { code, stderr } = await stress(engine, ['--target', sandbox.url, '--profile', 'max', '--users', '2', '--duration', '2s', '--out', out]);
      expect([0, 1], stderr).toContain(code);
      const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { checks: { id: string }[]; results: { engine: string } };
      expect(record.results.engine).toBe(engine);
      lists[engine] = record.checks.map((c) => c.id).filter((id) => id.startsWith('threshold.')).sort();
    }
    // The max profile's own error_rate<1%, then config's: config adds to the profile, never replaces it.
    const expected = [
      'threshold.GET /api/admin/tags.error_rate<50%',
      'threshold.GET /api/admin/tags.p(99)<5000',
      'threshold.overall.error_rate<1%',
      'threshold.overall.p(95)<5000',
    ];
    expect(lists).toEqual({ drill: expected, autocannon: expected, k6: expected });
  }, 60_000);
});
