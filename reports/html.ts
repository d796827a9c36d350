import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RouteSummary } from '../record/load.ts';
import { headline } from './headline.ts';
import { renderLogAnswers } from './logs.ts';
import { signalResultsOf, stressResultsOf, type RunRecord } from '../record/run-record.ts';
import type { Series } from './series.ts';
import { gateRows } from './gate-view.ts';
import { restoreRows } from './restore-view.ts';
import { capacityChart, renderCapacityMarkdown } from './capacity-view.ts';

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
.pass{background:#1f8a4c}.fail,.error{background:#c62828}.invalid,.warn{background:#b26a00}.skip,.inactive{background:#78808c}.inconclusive{background:#5e4fa2}
.firing{background:#c62828}.resolved{background:#b26a00}.pending{background:#b26a00}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e3e6ea;padding:5px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:52px;text-align:center;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}
.charts{display:grid;grid-template-columns:1fr;gap:14px}.chart{background:#fff;padding:8px}
.chart h3{font-size:13px;margin:0 0 4px}
pre{background:#fff;padding:10px;overflow:auto;font-size:12px}
.meta{color:#5b6472}
.headline{font-size:15px;margin:8px 0}.lane{display:inline-block;width:14px;height:4px;vertical-align:middle}`;

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
  var lanes = ['#c62828','#ef6c00','#6a1b9a','#ad1457','#00838f','#4e342e','#283593'];
  function hooks(){ return { draw: [function(u){
    var ctx = u.ctx; ctx.save();
    // One light tint where any alert fires (windows merged first, so overlaps never darken
    // the chart), and a thin lane per alert along the top, so each stays readable even when
    // several fire all run long.
    data.firingUnion.forEach(function(w){
      var x0 = u.valToPos(w.from, 'x', true), x1 = u.valToPos(w.to, 'x', true);
      ctx.fillStyle = 'rgba(198,40,40,0.07)'; ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
    });
    shade.forEach(function(w){
      var x0 = u.valToPos(w.from, 'x', true), x1 = u.valToPos(w.to, 'x', true);
      ctx.fillStyle = lanes[w.lane % lanes.length]; ctx.fillRect(x0, u.bbox.top + w.lane * 5, Math.max(2, x1 - x0), 4);
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
  var C = data.capacity;
  if (C && document.getElementById('c-capacity')) {
    // x is the arrival rate, not time: one point per step, p95 on the left, backlog and requests in flight on the right.
    new uPlot({ title: 'Capacity: p95 latency, job backlog and requests in flight against the arrival rate (req/s)', width: width, height: 260,
      scales: { x: { time: false }, n: {} },
      axes: [{ label: 'req/s' }, { label: 'p95 ms' }, { scale: 'n', side: 1, label: 'backlog / in flight', grid: { show: false } }],
      series: [{ label: 'req/s' }, { label: 'p95 ms', stroke: '#c62828', width: 2, points: { show: true } },
        { label: 'backlog', scale: 'n', stroke: '#1565c0', width: 1.5, points: { show: true }, spanGaps: true },
        { label: 'in flight', scale: 'n', stroke: '#2e7d32', width: 1.5, dash: [4, 4], points: { show: true } }] },
      [C.rate, C.p95, C.backlog, C.inFlight], document.getElementById('c-capacity'));
  }
  (data.cdfs || []).forEach(function(c, n){
    var el = document.getElementById('cdf' + n); if (!el) return;
    // Both sides on one x (ms, log scale): the union of their points, each side stepped.
    var xs = c.baseline.map(function(p){ return p.ms; }).concat(c.current.map(function(p){ return p.ms; }))
      .filter(function(x){ return x > 0; }).sort(function(a, b){ return a - b; })
      .filter(function(x, i, a){ return i === 0 || x !== a[i - 1]; });
    function at(points){ return xs.map(function(x){ var p = 0; points.forEach(function(q){ if (q.ms <= x) p = q.p; }); return p; }); }
    new uPlot({ title: c.scope + ': CDF of latency (ms), baseline and current', width: Math.min(560, width), height: 220,
      scales: { x: { time: false, distr: 3 } },
      series: [{ label: 'ms' }, { label: 'baseline', stroke: '#1565c0', width: 1.5 }, { label: 'current', stroke: '#c62828', width: 1.5 }] },
      [xs, at(c.baseline), at(c.current)], el);
  });
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();`;

const LANES = ['#c62828', '#ef6c00', '#6a1b9a', '#ad1457', '#00838f', '#4e342e', '#283593'];

/** Each alert's firing windows, from its timeline (firing -> resolved), one lane per alert. */
function firingWindows(record: RunRecord, endS: number): { id: string; lane: number; from: number; to: number }[] {
  const out: { id: string; lane: number; from: number; to: number }[] = [];
  record.alerts.filter((a) => a.firedAt).forEach((alert, lane) => {
    let from: number | null = null;
    for (const t of alert.timeline) {
      if (t.state === 'firing' && from === null) from = Date.parse(t.at) / 1000;
      if (t.state === 'resolved' && from !== null) {
        out.push({ id: alert.id, lane, from, to: Date.parse(t.at) / 1000 });
        from = null;
      }
    }
    if (from !== null) out.push({ id: alert.id, lane, from, to: endS });
    // A record without a timeline (older, or rebuilt) still shows its first firing.
    if (!out.some((w) => w.id === alert.id)) out.push({ id: alert.id, lane, from: Date.parse(alert.firedAt!) / 1000, to: alert.resolvedAt && alert.state !== 'firing' ? Date.parse(alert.resolvedAt) / 1000 : endS });
  });
  return out;
}

function mergeWindows(windows: readonly { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = [...windows].sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const w of sorted) {
    const last = out.at(-1);
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else out.push({ from: w.from, to: w.to });
  }
  return out;
}

/** The capacity section's Markdown lines as HTML: prose as paragraphs, the table as a table. */
function capacityHtml(lines: string[]): string {
  const prose = lines.filter((l) => l && !l.startsWith('|') && !l.startsWith('#')).map((l) => `<p>${esc(l).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/`(.+?)`/g, '<code>$1</code>')}</p>`);
  const rows = lines.filter((l) => l.startsWith('|') && !/^\| -*:? \|/.test(l) && !l.startsWith('| ---'));
  const cells = (l: string) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => esc(c.trim().replace(/\\\|/g, '|')));
  const [head, ...body] = rows;
  const table = head ? `<table><thead><tr>${cells(head).map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${cells(r).map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>` : '';
  return prose.join('') + table;
}

/** report.html: one self-contained file, readable offline, rendered from the record and its series. */
export function renderHtml(record: RunRecord, series: Series): string {
  const end = Date.parse(record.endedAt) / 1000;
  const alertWindows = firingWindows(record, end);
  const firingUnion = mergeWindows(alertWindows);
  const stress = stressResultsOf(record);
  const figures = headline(record);
  const phases = stress?.phases ?? { baselineEndedAt: null, loadEndedAt: null };
  const marks = [
    phases.baselineEndedAt && { at: Date.parse(phases.baselineEndedAt) / 1000, label: 'load starts' },
    phases.loadEndedAt && { at: Date.parse(phases.loadEndedAt) / 1000, label: 'load stops' },
  ].filter(Boolean);
  const load = stress?.load;
  const logs = signalResultsOf(record)?.logs;
  const charts = [
    series.load && ['c-rps', 'c-lat', 'c-routes', 'c-err'],
    series.queue && ['c-queue', 'c-dead', 'c-age', 'c-health'],
  ]
    .filter(Boolean)
    .flat()
    .map((id) => `<div class="chart" id="${id}"></div>`)
    .join('');
  const gate = record.kind === 'gate' ? record.results : null;
  const capacity = record.kind === 'capacity' ? capacityChart(record.results) : null;
  // The capacity table is the Markdown one: one table, two renderings of the same rows.
  const capacityTable = record.kind === 'capacity' ? capacityHtml(renderCapacityMarkdown(record.results)) : '';
  const cdfs = Object.entries(gate?.distributions ?? {}).map(([scope, d]) => ({ scope, baseline: d.baseline.cdf, current: d.current.cdf }));
  const gateTable = gate && gateRows(gate).length
    ? `<h2>Comparisons</h2><p class="meta">${gate.mode === 'live' ? `Live A/B: control ${esc(gate.control)} against candidate ${esc(gate.candidate)}, side by side` : 'Against a stored baseline'}; intervals at ${Math.round((gate.confidence ?? 0.95) * 100)}% confidence.</p>` +
      `<table><thead><tr><th>scope</th><th>metric</th><th class="num">baseline</th><th class="num">current</th><th class="num">change</th><th>interval</th><th>tolerance</th><th>result</th><th>note</th></tr></thead><tbody>${gateRows(gate)
        .map((r) => `<tr><td>${esc(r.scope)}</td><td>${esc(r.metric)}</td><td class="num">${esc(r.baseline)}</td><td class="num">${esc(r.current)}</td><td class="num">${esc(r.change)}</td><td>${esc(r.interval)}</td><td>${esc(r.tolerance)}</td><td>${badge(r.status)}</td><td>${esc(r.note)}</td></tr>`)
        .join('')}</tbody></table>` +
      `<h2>Distributions</h2><div class="charts" style="grid-template-columns:1fr 1fr">${cdfs.map((c, n) => `<div class="chart" id="cdf${n}"><h3>${esc(c.scope)}</h3></div>`).join('')}</div>`
    : '';
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
<div class="meta">Target ${esc(record.target ?? 'none')}${stress?.profile ? ` · profile ${esc(stress.profile.name)}` : ''}${stress?.engine ? ` · engine ${esc(stress.engine)}` : ''} · ${esc(record.startedAt)} to ${esc(record.endedAt)}${record.interrupted ? ` · interrupted by ${esc(record.interrupted.signal)} (partial record)` : ''}</div>
${figures.length ? `<p class="headline">${figures.map((f) => `<span>${esc(f)}</span>`).join(' · ')}</p>` : ''}
${alertWindows.length ? `<p class="meta">Alert lanes: ${[...new Set(alertWindows.map((w) => w.id))].map((id, i) => `<span class="lane" style="background:${LANES[i % LANES.length]}"></span> ${esc(id)}`).join(' · ')}</p>` : ''}
${record.reasons.length ? `<h2>Why</h2><ul>${record.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
${checks ? `<h2>Checks</h2><table><tbody>${checks}</tbody></table>` : ''}
${alerts ? `<h2>Alerts</h2><table><thead><tr><th>state</th><th>alert</th><th>fired</th><th>resolved</th><th>detail</th></tr></thead><tbody>${alerts}</tbody></table>` : ''}
${charts ? `<h2>Over time</h2><p class="meta">Shaded: alerts firing. Dashed: load phases. Charts are downsampled; full data in the NDJSON files.</p><div class="charts">${charts}</div>` : ''}
${capacity ? `<h2>Capacity</h2><div class="chart" id="c-capacity"></div>${capacityTable}` : ''}
${gateTable}
${record.kind === 'restore-drill' ? `<h2>Restore</h2><table><tbody>${restoreRows(record.results).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</tbody></table>` : ''}
${load ? `<h2>Routes</h2>${routeTable(load)}` : ''}
${logs ? `<h2>Logs</h2><ul>${renderLogAnswers(logs).map((l) => `<li>${esc(l.trim())}</li>`).join('')}</ul>` : ''}
<h2>Environment</h2><p class="meta">drill ${esc(record.tool.version)} · Node ${esc(record.environment.node)} · ${esc(record.environment.platform)}/${esc(record.environment.arch)} · ${record.environment.cpus} CPUs</p>
<details><summary>Resolved config (secrets redacted)</summary><pre>${esc(JSON.stringify(record.config, null, 2))}</pre></details>
</main>
<script id="drill-data" type="application/json">${scriptJson({ series, alertWindows, firingUnion, marks, cdfs, capacity })}</script>
<script>${UPLOT_JS}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}
