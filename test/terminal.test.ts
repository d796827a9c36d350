import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.ts';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';

// The terminal a person watches, in a real pseudo-terminal (util-linux `script`), 80 columns.
const execFileAsync = promisify(execFile);
const fixture = sandboxOnTestDatabase({ cronSecret: TEST_CRON_SECRET });
let sandbox: TestSandbox;
let cwd: string;

beforeAll(async () => {
  ({ sandbox } = fixture);
  cwd = mkdtempSync(path.join(tmpdir(), 'drill-tty-'));
  writeFileSync(path.join(cwd, 'cookies.txt'), (await sandbox.mintCookies(4)).join('\n'));
  writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, stress: { baseline: '2s', recoveryTimeout: '5s', minRequests: 5 } }));
});

/** What a terminal would show: each \r starts the line over, \x1b[K clears it. */
function screenLines(raw: string): string[] {
  // eslint-disable-next-line no-control-regex -- the escape codes are the point
  const text = raw.replace(/\x1b\[K/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  return text.split(/\r\n|\n/).flatMap((line) => line.split('\r'));
}

describe('the live terminal', () => {
  it('a stress drill in an 80-column pty: live lines overwrite themselves and fit; milestones and the summary print', async () => {
    const command = `stty cols 80 rows 24; ${process.execPath} ${BIN} stress --target ${sandbox.url} --profile smoke --users 4 --duration 4s --cookies cookies.txt --out run`;
    const { stdout: raw } = await execFileAsync('script', ['-qec', command, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CRON_SECRET: TEST_CRON_SECRET, TERM: 'xterm' },
    });
    // Live updates rewrite one line in place.
    // eslint-disable-next-line no-control-regex -- the terminal's escape codes are the point
    expect(raw).toMatch(/\r\x1b\[K\d+s \d+u \d+\/s p95 /);
    // eslint-disable-next-line no-control-regex -- as above
    expect(raw).toMatch(/\r\x1b\[Kbaseline \ds\/2s/);
    const lines = screenLines(raw);
    const tooWide = lines.filter((l) => [...l].length > 80 && !l.startsWith('report: '));
    expect(tooWide).toEqual([]);
    for (const milestone of ['baseline: sampling health for 2s before load', 'load: smoke, up to 4 users for 4s', 'recovery: waiting up to 5s']) {
      expect(lines.some((l) => l.startsWith(milestone)), milestone).toBe(true);
    }
    // The closing summary: the verdict, then the headline figures.
    expect(lines.some((l) => /^drill stress: (PASS|FAIL|INVALID)/.test(l))).toBe(true);
    expect(lines.some((l) => /requests \(.*\/s\) · p95 .* · errors .*%/.test(l))).toBe(true);
  }, 60_000);

  it('--quiet prints no progress, --json puts the record on stdout', async () => {
    const quiet = await execFileAsync(process.execPath, [BIN, 'stress', '--target', sandbox.url, '--profile', 'smoke', '--users', '2', '--duration', '2s', '--cookies', 'cookies.txt', '--out', 'quiet', '--quiet'], {
      cwd,
      env: { PATH: process.env.PATH, CRON_SECRET: TEST_CRON_SECRET },
    }).catch((e: { stdout: string; stderr: string }) => e);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/^drill stress: [A-Z]+/);
    const json = await execFileAsync(process.execPath, [BIN, 'stress', '--target', sandbox.url, '--profile', 'smoke', '--users', '2', '--duration', '2s', '--cookies', 'cookies.txt', '--out', 'json', '--json', '--quiet'], {
      cwd,
      env: { PATH: process.env.PATH, CRON_SECRET: TEST_CRON_SECRET },
    }).catch((e: { stdout: string; stderr: string }) => e);
    const record = JSON.parse(json.stdout);
    expect(record).toMatchObject({ kind: 'stress', schemaVersion: expect.any(Number) });
    expect(json.stderr).toBe('');
  }, 60_000);
});
