import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_CRON_SECRET, sandboxOnTestDatabase, type TestSandbox } from './helpers/sandbox.ts';

// The library as a user gets it: `npm pack` (which builds dist/), the tarball installed into
// a fresh project, and `import { runWatch } from 'drill'` from plain Node and from TypeScript.
const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = sandboxOnTestDatabase({ cronSecret: TEST_CRON_SECRET });
let sandbox: TestSandbox;
let project: string;

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  ({ sandbox } = fixture);
  const packDir = mkdtempSync(path.join(tmpdir(), 'drill-pack-'));
  const tarball = path.join(packDir, npm(['pack', '--silent', '--pack-destination', packDir], ROOT).trim().split('\n').pop()!);
  project = mkdtempSync(path.join(tmpdir(), 'drill-consumer-'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The dependencies are the ones this clone installed: taken from npm's cache, no network needed.
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project);
}, 240_000);

describe('the packed library', () => {
  it('ships the built JavaScript and declarations, no sources or tests', () => {
    const installed = path.join(project, 'node_modules', 'drill');
    const top = readdirSync(installed).sort();
    expect(top).toEqual(['README.md', 'bin', 'dist', 'package.json']);
    expect(readdirSync(path.join(installed, 'dist')).filter((f) => f.startsWith('index.'))).toEqual(['index.d.ts', 'index.js']);
  });

  it('exports every library entry point the README names', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const listed = /Each entry point \(([^)]*)\)/.exec(readme)![1]!.match(/`(\w+)`/g)!.map((n) => n.slice(1, -1));
    expect(listed.length).toBeGreaterThan(5);
    writeFileSync(path.join(project, 'exports.mjs'), `import * as drill from 'drill';\nconsole.log(JSON.stringify(Object.keys(drill).filter((k) => typeof drill[k] === 'function')));\n`);
    const { stdout } = await execFileAsync(process.execPath, ['exports.mjs'], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(stdout)).toEqual(expect.arrayContaining(listed));
  });

  it('runWatch from a fresh project, against the sandbox, returns the typed record and writes the run', async () => {
    writeFileSync(
      path.join(project, 'watch.mjs'),
      `import { runWatch } from 'drill';
const record = await runWatch({ target: process.argv[2], durationMs: 1500, config: { watch: { interval: '250ms' } }, out: 'run' });
console.log(JSON.stringify({ kind: record.kind, verdict: record.verdict, samples: record.results.samples.count, snapshot: record.checks.find((c) => c.id === 'watch.snapshot').status }));
`,
    );
    // Asynchronously: the sandbox answers from this process's event loop.
    const { stdout: out } = await execFileAsync(process.execPath, ['watch.mjs', sandbox.url], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, CRON_SECRET: TEST_CRON_SECRET } });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ kind: 'watch', verdict: 'pass', snapshot: 'pass' });
    expect(result.samples).toBeGreaterThan(3);
    expect(JSON.parse(readFileSync(path.join(project, 'run', 'run.json'), 'utf8')).kind).toBe('watch');
    expect(readdirSync(path.join(project, 'run'))).toEqual(expect.arrayContaining(['report.md', 'report.html', 'junit.xml', 'samples.ndjson']));
  }, 60_000);

  it('the installed bin runs a stress drill from dist/, load workers included', async () => {
    writeFileSync(path.join(project, 'cookies.txt'), (await sandbox.mintCookies(2)).join('\n'));
    writeFileSync(path.join(project, 'drill.config.json'), JSON.stringify({ watch: { interval: '250ms' }, stress: { baseline: '500ms', recoveryTimeout: '10s', minRequests: 1 },
      // A test of the package, not a judgement of the load: a tiny run on a busy machine still passes.
      limits: { maxScheduleLagP99: '5s', maxWorkerUtilization: 1 } }));
    const bin = path.join(project, 'node_modules', '.bin', 'drill');
    // Its exit code is asserted, not thrown: a failing run shows its verdict and reasons.
    const { stdout, stderr, code } = await execFileAsync(bin, ['stress', '--target', sandbox.url, '--profile', 'smoke', '--users', '2', '--duration', '2s', '--cookies', 'cookies.txt', '--out', 'stress'], {
      cwd: project,
      env: { PATH: process.env.PATH, CRON_SECRET: TEST_CRON_SECRET },
    }).then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e);
    expect({ code, stdout }, stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('drill stress: PASS') });
    const record = JSON.parse(readFileSync(path.join(project, 'stress', 'run.json'), 'utf8'));
    expect(record.results.load.overall.requests).toBeGreaterThan(0);
    expect(record.tool.version).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  }, 60_000);

  it('type-checks a TypeScript caller against the shipped declarations, and catches a misuse', () => {
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true, types: [] } }),
    );
    writeFileSync(
      path.join(project, 'ok.ts'),
      `import { runStress, type StressRecord } from 'drill';
export async function drill(): Promise<number | undefined> {
  const record: StressRecord = await runStress({ target: 'http://127.0.0.1:3999', profile: 'smoke', cookies: 'cookies.txt' });
  return record.results.load?.overall.latencyMs?.p95;
}
`,
    );
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    writeFileSync(path.join(project, 'bad.ts'), `import { runStress } from 'drill';\nexport const run = () => runStress({ target: 'x', profile: 'sprint' });\n`);
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toMatch(/bad\.ts.*"sprint"/);
  }, 60_000);
});
