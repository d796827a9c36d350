import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecord } from '../record/run-record.ts';
import { execDrill } from './helpers/cli.ts';
import { HEALTHY_BODY } from './helpers/script-server.ts';

// A self-signed HTTPS target on loopback: TLS is verified, so it is refused unless its CA
// is given (NODE_EXTRA_CA_CERTS, read by Node at start for every TLS connection).
let server: Server;
let url: string;
let dir: string;
let loadRequests = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'drill-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
    if (req.url === '/load') loadRequests += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(HEALTHY_BODY));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('TLS is verified', () => {
  it('a self-signed target is refused at start (exit 3), naming the certificate problem', async () => {
    const { code, stderr } = await execDrill(['watch', '--target', url, '--duration', '1s', '--out', path.join(dir, 'refused')], { CRON_SECRET: 'x-secret-value' });
    expect(code).toBe(3);
    expect(stderr).toMatch(/did not answer at start \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED|self[- ]signed)/i);
  });

  it('with its CA given, the same target is watched', async () => {
    const { code, stdout } = await execDrill(['watch', '--target', url, '--duration', '1s', '--interval', '250ms', '--out', path.join(dir, 'trusted')], {
      CRON_SECRET: 'x-secret-value',
      NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'),
    });
    expect(stdout).toContain('drill watch: PASS');
    expect(code).toBe(0);
  });

  it('with its CA given, the load engine drives it over TLS', async () => {
    writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify({ name: 'tls', routes: [{ path: '/load', weight: 1, auth: 'none' }] }));
    writeFileSync(path.join(dir, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, stress: { baseline: '250ms', recoveryTimeout: '1s', minRequests: 5 } }));
    const out = path.join(dir, 'stress');
    const { code, stderr } = await execDrill(['stress', '--target', url, '--profile', 'max', '--scenario', 'scenario.json', '--users', '3', '--duration', '1s', '--out', out], {
      CRON_SECRET: 'x-secret-value',
      NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'),
    }, dir);
    expect(code, stderr).toBe(0);
    const record = RunRecord.parse(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')));
    const overall = (record.results as { load: { overall: { requests: number; errors: number } } }).load.overall;
    expect(overall.requests).toBeGreaterThan(30);
    expect(overall.errors).toBe(0);
    expect(loadRequests).toBe(overall.requests);
  });
});
