import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { exportK6 } from '../../k6/export.ts';
import { planK6Export } from '../../runs/stress-plan.ts';
import { defaultScenario } from '../../scenarios/load.ts';
import { resolveProfile } from '../../scenarios/profiles.ts';
import { formatCookiePool } from '../../scenarios/sessions/pool.ts';
import { loadK6Script } from '../helpers/k6-standin.ts';

// The exported script runs on a real k6 elsewhere; here its own logic runs under a stand-in
// for k6's globals, fed every cookie pool format drill itself writes.
const COOKIES = ['sb-abcd-auth-token=base64-one; theme=dark', 'sb-abcd-auth-token=base64-two', 'sb-abcd-auth-token=base64-three'];

function exported(configInput: Record<string, unknown> = {}, cookies?: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-k6-script-'));
  const config = parseConfig(configInput);
  const profile = resolveProfile('smoke', config, {});
  const { scenario, thresholds } = planK6Export({ config, profile, scenario: defaultScenario() });
  exportK6({ scenario, profile, thresholds, outDir: dir, parallelism: 1, cookies });
  return { dir, script: path.join(dir, 'script.js') };
}

function poolFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('the exported k6 script reads every cookie pool drill writes', () => {
  it('one Cookie header per line, as drill sandbox --write-cookie-pool writes it', () => {
    const { dir, script } = exported();
    const k6 = loadK6Script(script, { BASE_URL: 'http://127.0.0.1:3999', COOKIES_FILE: poolFile(dir, 'pool.txt', formatCookiePool(COOKIES)) });
    expect(k6.shared.cookies).toEqual(COOKIES);
  });

  it('the JSON array drill k6 export --cookies writes beside the script', () => {
    const { dir, script } = exported({}, COOKIES);
    expect(JSON.parse(readFileSync(path.join(dir, 'cookies.json'), 'utf8'))).toEqual(COOKIES);
    const k6 = loadK6Script(script, { BASE_URL: 'http://127.0.0.1:3999', COOKIES_FILE: path.join(dir, 'cookies.json') });
    expect(k6.shared.cookies).toEqual(COOKIES);
  });

  it('hand-made pools as readCookiePool takes them: { cookie } objects, CRLF, a BOM, comments, a Cookie: prefix', () => {
    const { dir, script } = exported();
    const objects = poolFile(dir, 'objects.json', JSON.stringify(COOKIES.map((cookie) => ({ cookie }))));
    const crlf = poolFile(dir, 'crlf.txt', `\uFEFF# minted for the drill\r\nCookie: ${COOKIES[0]}\r\n\r\n${COOKIES[1]}\r\n${COOKIES[2]}\r\n`);
    for (const file of [objects, crlf]) expect(loadK6Script(script, { BASE_URL: 'http://x', COOKIES_FILE: file }).shared.cookies).toEqual(COOKIES);
  });

  it('a bad entry stops the script naming its position, never its value', () => {
    const { dir, script } = exported();
    const lines = poolFile(dir, 'bad.txt', `${COOKIES[0]}\nnot-a-cookie-secret-value\n`);
    expect(() => loadK6Script(script, { BASE_URL: 'http://x', COOKIES_FILE: lines })).toThrow(/^COOKIES_FILE: line 2 is not a Cookie header$/);
    const json = poolFile(dir, 'bad.json', JSON.stringify([COOKIES[0], 42]));
    expect(() => loadK6Script(script, { BASE_URL: 'http://x', COOKIES_FILE: json })).toThrow(/^COOKIES_FILE: entry 2 is not a Cookie header$/);
  });

  it('without COOKIES_FILE the pool is empty and session routes go without a cookie', () => {
    const { script } = exported();
    const k6 = loadK6Script(script, { BASE_URL: 'http://x' });
    expect(k6.shared.cookies).toEqual([]);
    for (let i = 0; i < 50; i += 1) k6.run();
    expect(k6.requests.every((r) => !('Cookie' in r.params.headers))).toBe(true);
  });
});

describe('the exported k6 script: options and requests', () => {
  it('refuses to start without BASE_URL, and sends each VU its own session, the bearer only to cron routes', () => {
    const { dir, script } = exported();
    const pool = poolFile(dir, 'pool.txt', formatCookiePool(COOKIES));
    expect(() => loadK6Script(script, { COOKIES_FILE: pool }).setup()).toThrow(/set BASE_URL/);
    const k6 = loadK6Script(script, { BASE_URL: 'http://127.0.0.1:3999/', COOKIES_FILE: pool, CRON_SECRET: 'cron-secret-value' }, 2);
    k6.setup();
    for (let i = 0; i < 400; i += 1) k6.run();
    const routes = defaultScenario().routes;
    const byName = new Map(routes.map((r) => [r.name, r]));
    for (const request of k6.requests) {
      const route = byName.get(request.params.tags.name!)!;
      expect(request.method).toBe(route.method);
      expect(request.url.startsWith('http://127.0.0.1:3999/')).toBe(true);
      expect(request.url).not.toContain('{offset}');
      expect(request.params.redirects).toBe(0);
      expect(request.params.headers.Cookie).toBe(route.auth === 'session' ? COOKIES[1] : undefined);
      expect(request.params.headers.Authorization).toBe(route.auth === 'cron' ? 'Bearer cron-secret-value' : undefined);
    }
    // Every route of the mix was drawn in 400 picks (the rarest has weight 1 of 99).
    expect(new Set(k6.requests.map((r) => r.params.tags.name))).toEqual(new Set(routes.map((r) => r.name)));
    // Smoke thinks about 1 s (100 ms at least) between requests.
    expect(Math.min(...k6.sleeps)).toBeGreaterThanOrEqual(0.1);
    expect(k6.sleeps.reduce((a, b) => a + b, 0) / k6.sleeps.length).toBeGreaterThan(0.6);
  });

  it('carries abortOnFail thresholds in k6 object form, and writes its summary where SUMMARY_FILE says', () => {
    const { script } = exported({ thresholds: { overall: [{ threshold: 'p(95)<300', abortOnFail: true, delayAbortEval: '20s' }] } });
    const k6 = loadK6Script(script, { BASE_URL: 'http://x', SUMMARY_FILE: '/tmp/out.json' });
    expect((k6.options.thresholds as Record<string, unknown[]>).http_req_duration).toEqual([
      'p(95)<1000',
      { threshold: 'p(95)<300', abortOnFail: true, delayAbortEval: '20s' },
    ]);
    expect(Object.keys(k6.handleSummary({ metrics: {} }))).toEqual(['/tmp/out.json']);
  });
});
