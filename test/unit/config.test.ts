import { parseScenario } from '../../scenarios/load.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.ts';
import { loadConfig, parseConfig } from '../../config/load.ts';
import { normalBacklogFor } from '../../signals/alerts/rules.ts';
import { runCli } from '../helpers/cli.ts';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const INDEX = path.resolve('index.ts');

describe('config defaults', () => {
  it('fills the runbook defaults with no file', async () => {
    const { config, source } = await loadConfig({ cwd: dirWith({}) });
    expect(source).toBeNull();
    expect(config.watch.interval).toBe(5000);
    expect(config.watch.queueKey).toBe('queue');
    expect(config.targets.allow).toEqual([]);
    expect(config.outDir).toBe('reports/runs');
  });
});

describe('config files', () => {
  it('reads drill.config.json', async () => {
    const cwd = dirWith({ 'drill.config.json': JSON.stringify({ watch: { interval: '1s' }, alerts: { queue_backlog_high: { threshold: 50 } } }) });
    const { config, source } = await loadConfig({ cwd });
    expect(source).toBe(path.join(cwd, 'drill.config.json'));
    expect(config.watch.interval).toBe(1000);
    expect(config.alerts.queue_backlog_high).toEqual({ threshold: 50 });
  });

  it('reads drill.config.mjs', async () => {
    const cwd = dirWith({ 'drill.config.mjs': "export default { targets: { allow: ['staging.example.com'] } };" });
    expect((await loadConfig({ cwd })).config.targets.allow).toEqual(['staging.example.com']);
  });

  it('reads drill.config.ts written with defineConfig', async () => {
    const cwd = dirWith({
      'drill.config.ts': `import { defineConfig } from ${JSON.stringify(INDEX)};\nexport default defineConfig({ watch: { interval: '750ms' } });\n`,
    });
    expect((await loadConfig({ cwd })).config.watch.interval).toBe(750);
  });

  it('prefers an explicit --config', async () => {
    const cwd = dirWith({ 'drill.config.json': '{"watch":{"interval":"1s"}}', 'other.json': '{"watch":{"interval":"2s"}}' });
    expect((await loadConfig({ cwd, file: 'other.json' })).config.watch.interval).toBe(2000);
  });

  it('flags override the file', async () => {
    const cwd = dirWith({ 'drill.config.json': '{"watch":{"interval":"1s","timeout":"3s"}}' });
    const { config } = await loadConfig({ cwd, overrides: { watch: { interval: '10s' } } });
    expect(config.watch).toMatchObject({ interval: 10_000, timeout: 3000 });
  });
});

describe('config errors (exit 2, every problem with its path)', () => {
  it('lists every problem in one line', async () => {
    const cwd = dirWith({
      'drill.config.json': JSON.stringify({ watch: { interval: '5', intervall: '1s' }, alerts: { queue_backlog: {} }, target: 'ftp://x' }),
    });
    const error = await loadConfig({ cwd }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('config error in');
    expect(error.message).toContain('watch.interval: "5" is not a duration (units are required: did you mean 5s?)');
    expect(error.message).toContain('watch: unknown key intervall');
    expect(error.message).toContain('alerts: unknown key queue_backlog (alert ids are health_degraded,');
    expect(error.message).toMatch(/target: must be an http/);
  });

  it('refuses a watch interval below 250ms', () => {
    expect(() => parseConfig({ watch: { interval: '100ms' } })).toThrow(/watch\.interval: must be at least 250ms/);
  });

  it('names a missing --config file', async () => {
    await expect(loadConfig({ cwd: dirWith({}), file: 'nope.json' })).rejects.toThrow(/--config: no such file nope\.json/);
  });

  it('reports invalid JSON with the file name', async () => {
    const cwd = dirWith({ 'drill.config.json': '{ watch: ' });
    await expect(loadConfig({ cwd })).rejects.toThrow(/config error in drill\.config\.json: not valid JSON/);
  });

  it('reports a module with no default export', async () => {
    const cwd = dirWith({ 'drill.config.mjs': 'export const x = 1;' });
    await expect(loadConfig({ cwd })).rejects.toThrow(/no default export/);
  });

  it('reports a config module that throws', async () => {
    const cwd = dirWith({ 'drill.config.mjs': 'throw new Error("kaput");' });
    await expect(loadConfig({ cwd })).rejects.toThrow(/could not load it \(kaput\)/);
  });
});

describe('scenario errors (exit 2, naming the route field and the fix)', () => {
  const scenario = (route: Record<string, unknown>) => ({ name: 's', routes: [{ path: '/ok', weight: 1, ...route }] });
  const fails = (route: Record<string, unknown>) => {
    try {
      parseScenario(scenario(route), 'test.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).message).not.toContain('\n');
      return (e as UsageError).message;
    }
    throw new Error('expected a scenario error');
  };

  it('refuses a path with spaces or line breaks (they would split the request line)', () => {
    expect(fails({ path: '/a b' })).toMatch(/routes\.0\.path: must start with \/ and hold no spaces or control characters/);
    expect(fails({ path: '/a\r\nx-injected: 1' })).toMatch(/routes\.0\.path/);
  });

  it('refuses header values with CR or LF, bad header names, and headers the engine sets', () => {
    expect(fails({ headers: { 'x-a': 'v\r\nx-injected: 1' } })).toMatch(/routes\.0\.headers\.x-a: a header value cannot hold CR, LF or NUL/);
    expect(fails({ headers: { 'bad name': 'v' } })).toMatch(/a header name is letters, digits/);
    expect(fails({ headers: { 'Content-Length': '5' } })).toMatch(/set by the engine; remove it/);
  });

  it('accepts what a real route mix writes', () => {
    const parsed = parseScenario(scenario({ path: '/api/admin/jobs?limit=25&offset={offset}', headers: { 'content-type': 'application/json', 'x-trace': 'a b;c=d' } }), 'test.yaml');
    expect(parsed.routes[0]!.headers).toEqual({ 'content-type': 'application/json', 'x-trace': 'a b;c=d' });
  });
});

describe('deprecated config keys keep working, with one line each', () => {
  it('validate.normalBacklog moves to alerts.queue_backlog_high.normal, which stress, watch and validate all read', async () => {
    const cwd = dirWith({ 'drill.config.json': JSON.stringify({ validate: { normalBacklog: 40 } }) });
    const { config, warnings } = await loadConfig({ cwd });
    expect(config.alerts.queue_backlog_high?.normal).toBe(40);
    expect(warnings).toEqual(['config: validate.normalBacklog is deprecated (since 0.2.0); use alerts.queue_backlog_high.normal instead']);
    expect(normalBacklogFor(config, null)).toBe(40);
    expect(normalBacklogFor(parseConfig({}), null)).toBe(10);
  });

  it('the new key wins when both are set, and the warning says the old one is ignored', () => {
    const lines: string[] = [];
    const config = parseConfig({ validate: { normalBacklog: 40 }, alerts: { queue_backlog_high: { normal: 7 } } }, 'test', (l) => lines.push(l));
    expect(config.alerts.queue_backlog_high?.normal).toBe(7);
    expect(lines).toEqual(['config: validate.normalBacklog is deprecated (since 0.2.0) and ignored because alerts.queue_backlog_high.normal is set; remove validate.normalBacklog']);
  });

  it('the CLI prints the warning on stderr as one line and still runs', async () => {
    const cwd = dirWith({ 'drill.config.json': JSON.stringify({ validate: { normalBacklog: 40 } }) });
    const { code, stderr } = await runCli(['k6', 'export', '--profile', 'smoke', '--out', 'k6'], { cwd });
    expect(code).toBe(0);
    expect(stderr.split('\n').filter((l) => l.includes('deprecated'))).toEqual(['drill: warning: config: validate.normalBacklog is deprecated (since 0.2.0); use alerts.queue_backlog_high.normal instead']);
  });
});
