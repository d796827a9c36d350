import { describe, expect, it } from 'vitest';
import { CannotRunError } from '../../core/errors.ts';
import { writeCookiePool } from '../../scenarios/sessions/pool.ts';
import { runCli } from '../helpers/cli.ts';

// The CLI's own surface, in-process and without services: typos, command groups, bad paths.
describe('the command line', () => {
  it('a mistyped command says what was meant', async () => {
    const { code, stderr } = await runCli(['valdate', '--target', 'http://127.0.0.1:1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^drill: unknown command "valdate"; did you mean drill validate\? \(commands: /);
    expect((await runCli(['k6', 'exprot'])).stderr).toMatch(/unknown command "k6 exprot"; did you mean drill k6 export\?/);
    // Far from every name: no guess.
    expect((await runCli(['frobnicate'])).stderr).toMatch(/^drill: unknown command "frobnicate" \(commands: /);
  });

  it('a command group alone lists its commands', async () => {
    for (const group of ['k6', 'alerts', 'baseline']) {
      const { code, stdout } = await runCli([group]);
      expect(code, group).toBe(0);
      expect(stdout).toMatch(new RegExp(`^drill ${group} <command> \\[flags\\]\\n\\nCommands:\\n  ${group} `));
    }
    expect((await runCli(['k6', '--help'])).stdout).toContain('k6 export');
  });

  it('an unwritable cookie-pool path is one line, exit 3, naming the path and the fix', () => {
    let error: unknown;
    try {
      writeCookiePool('/proc/drill-nowhere/cookies.txt', ['sb-x-auth-token=a']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CannotRunError);
    expect((error as CannotRunError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/^--write-cookie-pool: cannot write \/proc\/drill-nowhere\/cookies\.txt \(.*\); choose a writable file path$/);
  });
});
