import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RouteSummary } from '../engine/stats.ts';
import type { LogAnswers } from '../signals/logs/analyze.ts';
import { renderLogAnswers } from '../signals/logs/render.ts';
import type { RunRecord } from './record.ts';
import type { Series } from './series.ts';

const require = createRequire(import.meta.url);
// uPlot is inlined so the report is one file that works offline (a CI artifact, an email).
const UPLOT_JS = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
const UPLOT_CSS = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');

const esc = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside <script>: "<" escaped so a value can never close the tag. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.pass{background:#1f8a4c}.fail,.error{background:#c62828}.invalid,.warn{background:#b26a00}.skip,.inactive{background:#78808c}
.firing{background:#c62828}.resolved{background:#b26a00}.pending{background:#b26a00}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e3e6ea;padding:5px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:52px;text-align:center;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}
.charts{display:grid;grid-template-columns:1fr;gap:14px}.chart{background:#fff;padding:8px}
.chart h3{font-size:13px;margin:0 0 4px}
pre{background:#fff;padding:10px;overflow:auto;font-size:12px}
.meta{color:#5b6472}`;

function badge(status: string): string {
  return `<span class="badge ${esc(status)}">${esc(status.toUpperCase())}</span>`;
}

function routeTable(load: { overall: RouteSummary; routes: Record<string, RouteSummary> }): string {
  const num = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? Math.round(v) : v.toFixed(1));
  const row = (name: string, s: RouteSummary) =>
    `<tr><td>${esc(name)}</td><td class="num">${s.requests}</td><td class="num">${s.rps}</td><td class="num">${s.errors} (${(s.errorRate * 100).toFixed(1)}%)</td>` +
    `<td class="num">${num(s.latencyMs?.p50)}</td><td class="num">${num(s.latencyMs?.p95)}</td><td class="num">${num(s.latencyMs?.p99)}</td><td class="num">${num(s.latencyMs?.max)}</td></tr>`;
  const ranked = Object.entries(load.routes).sort(([, a], [, b]) => (b.latencyMs?.p95 ?? -1) - (a.latencyMs?.p95 ?? -1));
  return `<table><thead><tr><th>route</th><th class="num">requests</th><th class="num">req/s</th><th class="num">errors</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th class="num">max ms</th></tr></thead><tbody>${row('overall', load.overall)}${ranked.map(([n, s]) => row(n, s)).join('')}</tbody></table>`;
}

/** The chart-building script: runs in the browser, reads the embedded data, draws with uPlot. */
const CHART_SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('drill-data').textContent);
  var width = Math.min(1140, document.querySelector('main').clientWidth - 16);
  var shade = data.alertWindows, marks = data.marks;
  function hooks(){ return { draw: [function(u){
    var ctx = u.ctx; ctx.save();
    shade.forEach(function(w){
      var x0 = u.valToPos(w.from, 'x', true), x1 = u.valToPos(w.to, 'x', true);
      ctx.fillStyle = 'rgba(198,40,40,0.12)'; ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
    });
    marks.forEach(function(m){
      var x = u.valToPos(m.at, 'x', true);
      ctx.strokeStyle = '#5b6472'; ctx.setLineDash([4,4]); ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = '#5b6472'; ctx.font = '11px sans-serif'; ctx.fillText(m.label, x + 4, u.bbox.top + 12);
    });
    ctx.restore();
  }]}; }
  var palette = ['#1565c0','#c62828','#2e7d32','#ef6c00','#6a1b9a','#00838f','#ad1457','#4e342e','#558b2f','#283593','#f9a825','#37474f'];
  function chart(id, title, t, lines){
    var el = document.getElementById(id); if (!el) return;
    var series = [{}].concat(lines.map(function(l, i){ return { label: l.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true }; }));
    new uPlot({ title: title, width: width, height: 220, series: series, hooks: hooks(), scales: { x: { time: true } } }, [t].concat(lines.map(function(l){ return l.values; })), el);
  }
  var L = data.series.load, Q = data.series.queue;
  if (L) {
    chart('c-rps', 'Throughput (req/s) and users', L.t, [{label:'req/s', values:L.rps}, {label:'users', values:L.users}]);
    chart('c-lat', 'Latency, overall (ms)', L.t, [{label:'p50', values:L.p50}, {label:'p95', values:L.p95}, {label:'p99', values:L.p99}]);
    chart('c-routes', 'p95 latency per route (ms)', L.t, Object.keys(L.routes).map(function(k){ return {label:k, values:L.routes[k]}; }));
    chart('c-err', 'Errors per second', L.t, [{label:'errors/s', values:L.errors}]);
  }
  if (Q) {
    chart('c-queue', 'Queue backlog by state', Q.t, [{label:'pending', values:Q.pending}, {label:'retrying', values:Q.retrying}, {label:'processing', values:Q.processing}]);
    chart('c-dead', 'Dead-letter', Q.t, [{label:'dead_letter', values:Q.deadLetter}]);
    chart('c-age', 'Oldest ready job age (s)', Q.t, [{label:'oldest ready age', values:Q.oldestAge}]);
    chart('c-health', 'Health (1 healthy, 0 degraded or unreachable)', Q.t, [{label:'healthy', values:Q.healthy}]);
  }
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();`;

/** report.html: one self-contained file, readable offline, rendered from the record and its series. */
export function renderHtml(record: RunRecord, series: Series): string {
  const end = Date.parse(record.endedAt) / 1000;
  const alertWindows = record.alerts
    .filter((a) => a.firedAt)
    .map((a) => ({ id: a.id, from: Date.parse(a.firedAt!) / 1000, to: a.resolvedAt && a.state !== 'firing' ? Date.parse(a.resolvedAt) / 1000 : end }));
  const phases = (record.results.phases ?? {}) as { baselineEndedAt?: string | null; loadEndedAt?: string | null };
  const marks = [
    phases.baselineEndedAt && { at: Date.parse(phases.baselineEndedAt) / 1000, label: 'load starts' },
    phases.loadEndedAt && { at: Date.parse(phases.loadEndedAt) / 1000, label: 'load stops' },
  ].filter(Boolean);
  const load = record.results.load as { overall: RouteSummary; routes: Record<string, RouteSummary> } | null | undefined;
  const logs = record.results.logs as LogAnswers | null | undefined;
  const charts = [
    series.load && ['c-rps', 'c-lat', 'c-routes', 'c-err'],
    series.queue && ['c-queue', 'c-dead', 'c-age', 'c-health'],
  ]
    .filter(Boolean)
    .flat()
    .map((id) => `<div class="chart" id="${id}"></div>`)
    .join('');
  const checks = record.checks
    .map((c) => `<tr><td>${badge(c.status)}</td><td><code>${esc(c.id)}</code>${c.strict ? '' : ' <span class="meta">(advisory)</span>'}</td><td>${esc(c.summary)}</td></tr>`)
    .join('');
  const alerts = record.alerts
    .map((a) => `<tr><td>${badge(a.state)}</td><td><code>${esc(a.id)}</code></td><td>${esc(a.firedAt ?? '')}</td><td>${esc(a.resolvedAt ?? '')}</td><td>${esc(a.summary ?? '')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>drill ${esc(record.kind)}: ${esc(record.verdict.toUpperCase())}</title>
<style>${UPLOT_CSS}${CSS}</style></head>
<body><main>
<h1>drill ${esc(record.kind)} <span class="verdict ${esc(record.verdict)}">${esc(record.verdict.toUpperCase())}</span></h1>
<div class="meta">Target ${esc(record.target ?? 'none')} · ${esc(record.startedAt)} to ${esc(record.endedAt)}${record.interrupted ? ` · interrupted by ${esc(record.interrupted.signal)} (partial record)` : ''}</div>
${record.reasons.length ? `<h2>Why</h2><ul>${record.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
${checks ? `<h2>Checks</h2><table><tbody>${checks}</tbody></table>` : ''}
${alerts ? `<h2>Alerts</h2><table><thead><tr><th>state</th><th>alert</th><th>fired</th><th>resolved</th><th>detail</th></tr></thead><tbody>${alerts}</tbody></table>` : ''}
${charts ? `<h2>Over time</h2><p class="meta">Shaded: alerts firing. Dashed: load phases. Charts are downsampled; full data in the NDJSON files.</p><div class="charts">${charts}</div>` : ''}
${load ? `<h2>Routes</h2>${routeTable(load)}` : ''}
${logs ? `<h2>Logs</h2><ul>${renderLogAnswers(logs).map((l) => `<li>${esc(l.trim())}</li>`).join('')}</ul>` : ''}
<h2>Environment</h2><p class="meta">drill ${esc(record.tool.version)} · Node ${esc(record.environment.node)} · ${esc(record.environment.platform)}/${esc(record.environment.arch)} · ${record.environment.cpus} CPUs</p>
<details><summary>Resolved config (secrets redacted)</summary><pre>${esc(JSON.stringify(record.config, null, 2))}</pre></details>
</main>
<script id="drill-data" type="application/json">${scriptJson({ series, alertWindows, marks })}</script>
<script>${UPLOT_JS}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}
