import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseJs } from 'acorn';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { exportK6 } from '../../k6/export.ts';
import { mergeK6Summaries, readK6Summary } from '../../k6/ingest.ts';
import { k6Thresholds, routeTag } from '../../k6/script.ts';
import { defaultScenario } from '../../scenarios/load.ts';
import { resolveProfile } from '../../scenarios/profiles.ts';
import { resolveThresholdSpecs } from '../../thresholds/specs.ts';
import { runCli } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/k6');
const fixture = (name: string) => path.join(FIXTURES, name);
const config = parseConfig({ thresholds: { 'GET /api/admin/jobs': ['p(95)<800', 'error_rate<1%'], 'HEAD /api/health': ['max<3s'] } });

function exported() {
  const dir = mkdtempSync(path.join(tmpdir(), 'drill-k6-'));
  const profile = resolveProfile('launch', config, {});
  const thresholds = resolveThresholdSpecs(profile.thresholds, defaultScenario().routes.map((r) => r.name));
  const result = exportK6({ scenario: defaultScenario(), profile, thresholds, outDir: dir, parallelism: 4 });
  return { dir, profile, result, script: readFileSync(path.join(dir, 'script.js'), 'utf8') };
}

/** Evaluates the `options` object literal of the generated script (it is plain JSON). */
function optionsOf(script: string) {
  const json = /export var options = (\{[\s\S]*?\n\});/.exec(script)![1]!;
  return JSON.parse(json);
}

describe('drill k6 export: the script', () => {
  it('carries the profile stages, per-route tagged thresholds and the weights', () => {
    const { script, profile } = exported();
    const options = optionsOf(script);
    expect(options.scenarios.drill.executor).toBe('ramping-vus');
    expect(options.scenarios.drill.stages).toEqual(profile.stages.map((s) => ({ duration: `${s.durationMs / 1000}s`, target: s.target })));
    expect(options.thresholds).toMatchObject({
      http_req_duration: ['p(95)<800', 'p(99)<2000'],
      http_req_failed: ['rate<0.01'],
      'http_req_duration{route:get_api_admin_jobs}': ['p(95)<800'],
      'http_req_failed{route:get_api_admin_jobs}': ['rate<0.01'],
      'http_req_duration{route:head_api_health}': ['max<3000'],
    });
    expect(options.summaryTrendStats).toEqual(expect.arrayContaining(['p(99)', 'count']));
    const routes = JSON.parse(/var ROUTES = (\[[\s\S]*?\n\]);/.exec(script)![1]!);
    expect(routes.map((r: { tag: string; weight: number }) => [r.tag, r.weight])).toEqual(defaultScenario().routes.map((r) => [routeTag(r.name), r.weight]));
    expect(script).toContain("tags: { route: route.tag, name: route.name }");
    expect(script).toContain("new SharedArray('cookies'");
  });

  it('is ES2017 (no optional chaining, no object spread), and the check would catch them', () => {
    const { script } = exported();
    expect(() => parseJs(script, { ecmaVersion: 2017, sourceType: 'module' })).not.toThrow();
    expect(() => parseJs('var a = b?.c;', { ecmaVersion: 2017, sourceType: 'module' })).toThrow();
    expect(() => parseJs('var a = { ...b };', { ecmaVersion: 2017, sourceType: 'module' })).toThrow();
  });

  it('type-checks against @types/k6, and a misuse of the k6 API would not', () => {
    const { dir } = exported();
    writeFileSync(path.join(dir, 'broken.js'), "import http from 'k6/http';\nexport default function () { http.reqest('GET', 'x'); }\n");
    const tsconfig = (files: string[]) => ({
      compilerOptions: { allowJs: true, checkJs: true, noEmit: true, target: 'ES2017', module: 'ES2015', moduleResolution: 'node', strict: false, types: ['k6'], typeRoots: [path.join(ROOT, 'node_modules/@types')], lib: ['ES2017'] },
      files,
    });
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig(['script.js'])));
    expect(() => execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })).not.toThrow();
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig(['broken.js'])));
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toMatch(/reqest/);
  }, 60_000);

  it('keeps what k6 cannot express for drill to judge on ingest', () => {
    const { kept, k6 } = k6Thresholds(resolveThresholdSpecs({ overall: ['timeouts<1', 'rps>10'], 'GET /x': ['rps>5', 'auth_failures<=0'] }, null), routeTag);
    expect(k6).toEqual({ http_reqs: ['rate>10'] });
    expect(kept).toEqual(['overall: timeouts<1', 'GET /x: rps>5', 'GET /x: auth_failures<=0']);
  });
});

describe('drill k6 export: the TestRun manifest', () => {
  // Fields documented for TestRun in grafana/k6-operator docs/crd-generated.md (k6.io/v1alpha1).
  const SPEC_FIELDS = ['parallelism', 'script', 'arguments', 'separate', 'cleanup', 'paused', 'quiet', 'runner', 'starter', 'initializer', 'testRunId', 'token'];
  const RUNNER_FIELDS = ['env', 'envFrom', 'volumes', 'volumeMounts', 'resources', 'image', 'imagePullPolicy', 'imagePullSecrets', 'metadata', 'nodeSelector', 'serviceAccountName', 'securityContext', 'tolerations', 'affinity', 'topologySpreadConstraints', 'initContainers', 'containerSecurityContext', 'automountServiceAccountToken', 'livenessProbe', 'readinessProbe', 'priorityClassName'];

  it('is a TestRun with only documented fields, the script in a ConfigMap and secrets from a Secret', () => {
    const { dir } = exported();
    const manifest = parseYaml(readFileSync(path.join(dir, 'testrun.yaml'), 'utf8'));
    expect(manifest.apiVersion).toBe('k6.io/v1alpha1');
    expect(manifest.kind).toBe('TestRun');
    expect(manifest.spec.parallelism).toBe(4);
    expect(manifest.spec.script).toEqual({ configMap: { name: 'drill-launch', file: 'script.js' } });
    for (const key of Object.keys(manifest.spec)) expect(SPEC_FIELDS, key).toContain(key);
    for (const key of Object.keys(manifest.spec.runner)) expect(RUNNER_FIELDS, key).toContain(key);
    expect(manifest.spec.runner.envFrom).toEqual([{ secretRef: { name: 'drill-secrets' } }]);
    expect(JSON.stringify(manifest)).not.toMatch(/CRON_SECRET":|value: .*secret/i);
  });
});

describe('k6 summaries: ingest and merge', () => {
  it('reads --summary-export with its inverted threshold booleans', () => {
    const passing = readK6Summary(fixture('summary-export.json'));
    expect(passing.format).toBe('summary-export');
    expect(passing.metrics['http_req_failed']!.thresholds).toEqual({ 'rate<0.01': true });
    const failing = readK6Summary(fixture('summary-export-failed.json'));
    expect(failing.metrics['http_req_duration{route:health_head}']!.thresholds).toEqual({ 'p(95)<0.01': false });
  });

  it('reads handleSummary data with per-threshold ok', () => {
    const failing = readK6Summary(fixture('handle-summary-failed.json'));
    expect(failing.format).toBe('handleSummary');
    const verdicts = Object.values(failing.metrics).flatMap((m) => Object.values(m.thresholds));
    expect(verdicts).toContain(false);
    expect(readK6Summary(fixture('handle-summary.json')).durationMs).toBeGreaterThan(5000);
  });

  it('merges pods: counts add, percentiles take the highest pod (an upper bound)', () => {
    const a = readK6Summary(fixture('summary-export.json'));
    const b = readK6Summary(fixture('handle-summary.json'));
    const one = mergeK6Summaries([a], defaultScenario());
    const two = mergeK6Summaries([a, b], defaultScenario());
    expect(one.load.overall.requests).toBe(220);
    expect(two.load.overall.requests).toBe(a.metrics.http_reqs!.values.count! + b.metrics.http_reqs!.values.count!);
    expect(two.load.overall.latencyMs!.p95).toBe(Math.max(a.metrics.http_req_duration!.values['p(95)']!, b.metrics.http_req_duration!.values['p(95)']!));
    expect(two.load.overall.errorRate).toBe(0);
    expect(Object.keys(two.load.routes).sort()).toEqual(['api_admin_jobs', 'health_head']);
    expect(two.notes.join('\n')).toMatch(/merged 2 runner summaries/);
    expect(two.notes.join('\n')).toMatch(/p\(99\) is not in the summary/);
  });

  it('refuses a file that is not a k6 summary, naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-k6-bad-'));
    writeFileSync(path.join(dir, 'bad.json'), '{"hello": 1}');
    expect(() => readK6Summary(path.join(dir, 'bad.json'))).toThrow(/bad\.json: no "metrics" object/);
  });
});

describe('drill report --k6-summary', () => {
  it('merges pods, judges our thresholds once over the merged data, and the gate reads it', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-k6-report-'));
    const ok = await runCli(['report', 'pods', '--k6-summary', fixture('summary-export.json'), fixture('handle-summary.json'), '--profile', 'smoke'], { cwd });
    expect(ok.stdout).toContain('merged 2 k6 summaries');
    const record = JSON.parse(readFileSync(path.join(cwd, 'pods', 'run.json'), 'utf8'));
    expect(record).toMatchObject({ kind: 'stress', results: { engine: 'k6' } });
    expect(record.checks.find((c: { id: string }) => c.id === 'threshold.overall.p(95)<1000').status).toBe('pass');
    // Into an empty directory: the load is judged, but nothing watched the app beside it, so no pass.
    expect(ok.code).toBe(1);
    expect(record.verdict).toBe('fail');
    expect(record.checks.find((c: { id: string }) => c.id === 'watch.present')).toMatchObject({ status: 'not_evaluated', strict: true });
    // A pod whose own k6 threshold failed is evidence, not the verdict: drill judges the merged data.
    const failedPod = await runCli(['report', 'mixed', '--k6-summary', fixture('summary-export-failed.json'), fixture('summary-export.json'), '--profile', 'smoke'], { cwd });
    const mixed = JSON.parse(readFileSync(path.join(cwd, 'mixed', 'run.json'), 'utf8'));
    expect(mixed.checks.some((c: { id: string; status: string; strict: boolean }) => c.id.startsWith('k6.') && c.status === 'fail' && !c.strict)).toBe(true);
    // Its only strict finding is the missing watcher, never the pod's own k6 verdict.
    expect(failedPod.code).toBe(1);
    expect(mixed.reasons).toEqual([expect.stringMatching(/^watch\.present was not evaluated: no watcher ran/)]);
    const gate = await runCli(['gate', '--baseline', 'pods', '--current', 'mixed', '--out', 'g'], { cwd });
    // The fixtures are fixed data: the merged p95 is the same upper bound on both sides (no
    // change), but 220 requests without histograms cannot show it is within 10%: inconclusive.
    const gateRecord = JSON.parse(readFileSync(path.join(cwd, 'g', 'run.json'), 'utf8'));
    expect(gateRecord.checks.find((c: { id: string }) => c.id === 'gate.overall.p95')).toMatchObject({ status: 'inconclusive', evidence: { estimate: 0 } });
    expect(gate.code, gate.stdout).toBe(4);
  });

  it('a strict threshold breached on the merged data fails the run', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-k6-report-'));
    writeFileSync(path.join(cwd, 'drill.config.json'), JSON.stringify({ thresholds: { overall: ['p(95)<0.1'] } }));
    const r = await runCli(['report', 'pods', '--k6-summary', fixture('summary-export.json')], { cwd });
    expect(r.code).toBe(1);
    const record = JSON.parse(readFileSync(path.join(cwd, 'pods', 'run.json'), 'utf8'));
    expect(record.reasons.join('\n')).toMatch(/threshold\.overall\.p\(95\)<0\.1 failed/);
  });
});

describe('drill k6 export (CLI)', () => {
  it('writes the three files, and needs --profile and --out', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'drill-k6-cli-'));
    const ok = await runCli(['k6', 'export', '--profile', 'smoke', '--out', 'k6', '--parallelism', '2'], { cwd });
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').map((f) => path.basename(f))).toEqual(['script.js', 'testrun.yaml', 'README.md']);
    expect((await runCli(['k6', 'export', '--out', 'k6'], { cwd })).stderr).toMatch(/--profile is required/);
    expect((await runCli(['k6', 'export', '--profile', 'smoke'], { cwd })).stderr).toMatch(/--out DIR is required/);
  });
});
