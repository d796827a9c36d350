import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';

// No k6 binary can be installed here. This stand-in speaks k6's interface as drill uses it
// (`k6 version`, `k6 run --quiet script.js`, env in, handleSummary JSON out) so drill's side
// of the contract is tested for real: the arguments, the environment, the exit codes.
const FIXTURE = fileURLToPath(new URL('./fixtures/k6/handle-summary.json', import.meta.url));

const fixture = sandboxOnTestDatabase({});
let sandbox: TestSandbox;
let bin: string;

beforeAll(async () => {
  ({ sandbox } = fixture);
  bin = mkdtempSync(path.join(tmpdir(), 'fake-k6-'));
  const script = `#!/bin/sh
if [ "$1" = "version" ]; then echo "k6 v0.48.0 (stand-in)"; exit 0; fi
echo "$@" > "$SUMMARY_FILE.args"
echo "$BASE_URL|$COOKIES_FILE|\${CRON_SECRET:+cron-set}" > "$SUMMARY_FILE.env"
test -f "$COOKIES_FILE" || exit 2
[ "$FAKE_K6_MODE" = "crash" ] && { echo "level=error msg=\\"could not initialize\\"" >&2; exit 107; }
cp "${FIXTURE}" "$SUMMARY_FILE"
exit \${FAKE_K6_EXIT:-0}
`;
  writeFileSync(path.join(bin, 'k6'), script);
  chmodSync(path.join(bin, 'k6'), 0o755);
});

async function stress(extraEnv: Record<string, string> = {}) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'drill-k6-engine-'));
  writeFileSync(path.join(cwd, 'cookies.txt'), `${(await sandbox.mintCookies(2)).join('\n')}\n`);
  writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, stress: { baseline: '300ms' } }));
  const out = path.join(cwd, 'run');
  const result = await runCli(['stress', '--target', sandbox.url, '--profile', 'smoke', '--engine', 'k6', '--cookies', 'cookies.txt', '--out', out], {
    cwd,
    env: { PATH: `${bin}:${process.env.PATH}`, CRON_SECRET: TEST_CRON_SECRET, ...extraEnv },
  });
  return { ...result, out };
}

describe('drill stress --engine k6', () => {
  it('runs the exported script with the watcher alongside and judges the summary', async () => {
    const { code, stderr, out } = await stress();
    expect(code, stderr).toBe(0);
    expect(readFileSync(path.join(out, 'k6-summary.json.args'), 'utf8')).toMatch(/^run --quiet .*\/k6\/script\.js/);
    const [base, cookies, cron] = readFileSync(path.join(out, 'k6-summary.json.env'), 'utf8').trim().split('|');
    expect(base).toBe(sandbox.url);
    expect(JSON.parse(readFileSync(cookies!, 'utf8'))).toHaveLength(2);
    expect(cron).toBe('cron-set');
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ kind: 'stress', verdict: 'pass', results: { engine: 'k6' } });
    expect(record.results.samples.count).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'k6', 'script.js'))).toBe(true);
  });

  it('exit 99 (k6 thresholds failed) still yields drill\'s verdict from the summary', async () => {
    const { out } = await stress({ FAKE_K6_EXIT: '99' });
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record.results.k6ExitCode).toBe(99);
    expect(record.results.load.overall.requests).toBe(220);
  });

  it('k6 failing to run is a load.engine error and a failed verdict, with its message', async () => {
    const { code, out } = await stress({ FAKE_K6_MODE: 'crash' });
    expect(code).toBe(1);
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(record.checks.find((c: { id: string }) => c.id === 'load.engine').summary).toMatch(/k6 failed: level=error msg="could not initialize"/);
    expect(record.reasons.join('\n')).toMatch(/k6 wrote no summary/);
  });
});

describe('drill watch --k6-summary', () => {
  it('adds the k6 load that ran alongside to the watch record, judged by the config thresholds', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-watch-k6-'));
    writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, thresholds: { overall: ['p(95)<500'] } }));
    const { code, stderr } = await runCli(['watch', '--target', sandbox.url, '--duration', '1s', '--k6-summary', FIXTURE, '--out', 'w'], { cwd, env: { CRON_SECRET: TEST_CRON_SECRET } });
    expect(code, stderr).toBe(0);
    const record = JSON.parse(readFileSync(path.join(cwd, 'w', 'run.json'), 'utf8'));
    expect(record.kind).toBe('watch');
    expect(record.results.load.overall.requests).toBe(220);
    expect(record.checks.find((c: { id: string }) => c.id === 'threshold.overall.p(95)<500').status).toBe('pass');
  });
});
