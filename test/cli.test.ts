import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { commands } from '../cli/commands/index.ts';
import { execDrill, runCli, spawnDrill } from './helpers/cli.ts';

describe('drill CLI (in-process)', () => {
  it('--help lists every declared command and the exit codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of commands) expect(stdout).toContain(command.name);
    expect(stdout).toContain('Exit codes: 0 pass, 1 verdict fail, 2 usage or config error, 3 could not run');
  });

  it('no command prints help to stderr and exits 2', async () => {
    const { code, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: drill <command>');
  });

  it('an unknown command exits 2 naming the commands', async () => {
    const { code, stderr } = await runCli(['stresss']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/unknown command "stresss"; did you mean drill stress\? \(commands: sandbox/);
  });

  it('command help is generated from the declaration', async () => {
    const { code, stdout } = await runCli(['sandbox', '--help']);
    expect(code).toBe(0);
    const sandbox = commands.find((c) => c.name === 'sandbox')!;
    for (const flag of Object.keys(sandbox.flags)) expect(stdout).toContain(`--${flag}`);
    expect(stdout).toContain('default 3999');
  });

  it.each([
    [['sandbox', '--bogus'], /drill sandbox: unknown flag --bogus; see drill sandbox --help/],
    [['sandbox', '--prot', '1'], /unknown flag --prot/],
    [['sandbox', '--port', 'abc'], /--port: "abc" is not a whole number/],
    [['sandbox', '--port', '70000'], /--port: 70000 is above the maximum 65535/],
    [['sandbox', '--cron-interval', '5'], /--cron-interval: "5" is not a duration \(units are required: did you mean 5s\?\)/],
    [['sandbox', '--fault', 'meteor'], /--fault: fault "meteor": unknown kind/],
    [['sandbox', '--fault', 'job-fails:pizza'], /job type must be one of admin_email/],
    [['sandbox', '--sessions', '5'], /--sessions: only meaningful with --write-cookie-pool/],
    [['sandbox', 'extra'], /unexpected argument "extra"/],
    [['sandbox', '--port'], /--port needs a value/],
  ])('%j exits 2 with one line naming the flag', async (argv, message) => {
    const { code, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('a CRON_SECRET with a line break (a CRLF .env file) is exit 2, naming the fix and not the secret', async () => {
    const target = ['--target', 'http://127.0.0.1:9'];
    for (const argv of [['watch', ...target, '--duration', '1s'], ['stress', ...target, '--profile', 'smoke', '--duration', '1s'], ['validate', ...target]]) {
      const { code, stderr } = await runCli(argv, { env: { CRON_SECRET: 'sentinel-cron-value\r' } });
      expect(code, `${argv[0]}: ${stderr}`).toBe(2);
      expect(stderr).toMatch(/CRON_SECRET holds a line break or NUL \(a \.env file with CRLF endings\?\); export it without one/);
      expect(stderr).not.toContain('sentinel-cron-value');
    }
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

// Child processes that start the sandbox wait for PGlite's cluster: bounded, but generous.
describe('drill CLI (child processes: real exit codes and signals)', { timeout: 90_000 }, () => {
  it('starts the sandbox with no environment, prints its URL, and stops cleanly on SIGTERM', async () => {
    const run = spawnDrill(['sandbox', '--port', '0', '--log-file', '/dev/null']);
    const out = await run.waitFor(/drill sandbox ready at http:\/\/127\.0\.0\.1:\d+/);
    const url = /ready at (http:\/\/\S+)/.exec(out)![1]!;
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(run.stderr()).toContain('stopped by SIGTERM');
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });

  it('--write-cookie-pool writes N distinct sessions that the admin API accepts', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'drill-pool-')), 'cookies.txt');
    const run = spawnDrill(['sandbox', '--port', '0', '--log-file', '/dev/null', '--write-cookie-pool', file, '--sessions', '5']);
    try {
      const out = await run.waitFor(/ready at http/);
      const url = /ready at (http:\/\/\S+)/.exec(out)![1]!;
      const cookies = readFileSync(file, 'utf8').trim().split('\n');
      expect(cookies).toHaveLength(5);
      expect(new Set(cookies).size).toBe(5);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      for (const cookie of cookies) {
        expect(cookie).toMatch(/^sb-[a-z]+-auth-token=base64-/);
        expect((await fetch(`${url}/api/admin/tags`, { headers: { cookie } })).status).toBe(200);
      }
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
  });

  it('a port in use is exit 3 with the fix', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { code, stderr } = await execDrill(['sandbox', '--port', String(port), '--log-file', '/dev/null']);
      expect(code).toBe(3);
      expect(stderr).toContain(`port ${port} is in use; pass --port 0 or another port`);
    } finally {
      blocker.close();
    }
  });

  it('a refused database is exit 3 and the password never shows', async () => {
    const { code, stderr } = await execDrill(['sandbox', '--port', '0', '--log-file', '/dev/null'], {
      DATABASE_URL: 'postgres://app:sentinel-db-password-91@127.0.0.1:1/app',
    });
    expect(code).toBe(3);
    expect(stderr).toMatch(/could not start \(.*ECONNREFUSED/);
    expect(stderr).not.toContain('sentinel-db-password-91');
  });

  it('usage errors exit 2 from the real bin too', async () => {
    const { code, stderr } = await execDrill(['sandbox', '--nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown flag --nope');
  });
});
