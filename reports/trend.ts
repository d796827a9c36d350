import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TrendChange, TrendReport } from '../record/trend.ts';

const require = createRequire(import.meta.url);
const UPLOT_JS = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
const UPLOT_CSS = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
const esc = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;

/** One line per change point: where it began, the run, its time and commit. */
export function describeChange(scope: string, metric: string, c: TrendChange): string {
  return `${c.regression ? 'regression' : 'improvement'}: ${scope} ${metric} ${pct(c.change)} (${fmt(c.before)} -> ${fmt(c.after)}, p ${c.pValue.toExponential(1)}) began at ${c.run.dir} (${c.run.startedAt}${c.run.commit ? `, commit ${c.run.commit}` : ''})`;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

export function renderTrendText(report: TrendReport): string {
  const lines = [`drill trend: ${report.runs.length} runs, ${report.runs[0]!.startedAt} to ${report.runs.at(-1)!.startedAt}`];
  const changes = report.series.flatMap((s) => s.changes.map((c) => describeChange(s.scope, s.metric, c)));
  lines.push(...(changes.length ? changes.map((l) => `  - ${l}`) : ['  no change points']));
  lines.push(report.recentRegressions.length ? `NEW REGRESSION in the last ${report.options.recent} runs: ${report.recentRegressions.map((r) => `${r.scope} ${r.metric}`).join(', ')}` : `no regression began in the last ${report.options.recent} runs`);
  return `${lines.join('\n')}\n`;
}

const SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('drill-trend').textContent);
  var width = Math.min(1140, document.querySelector('main').clientWidth - 16);
  data.charts.forEach(function(c, n){
    var el = document.getElementById('t' + n);
    var marks = c.changes;
    new uPlot({ title: c.title, width: width, height: 200, scales: { x: { time: true } },
      series: [{}, { label: c.metric, stroke: '#1565c0', width: 1.5, spanGaps: true, points: { show: true } }],
      hooks: { draw: [function(u){
        var ctx = u.ctx; ctx.save();
        marks.forEach(function(m){
          var x = u.valToPos(m.t, 'x', true);
          ctx.strokeStyle = m.regression ? '#c62828' : '#2e7d32'; ctx.lineWidth = 2; ctx.setLineDash([5,4]);
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          ctx.setLineDash([]); ctx.fillStyle = ctx.strokeStyle; ctx.font = '11px sans-serif'; ctx.fillText(m.label, x + 4, u.bbox.top + 12);
        });
        ctx.restore();
      }]}
    }, [data.t, c.values], el);
  });
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();`;

/** trend.html: one chart per series that changed (and the overall ones), change points marked. */
export function renderTrendHtml(report: TrendReport): string {
  const t = report.runs.map((r) => Date.parse(r.startedAt) / 1000);
  const charts = report.series
    .filter((s) => s.changes.length > 0 || s.scope === 'overall')
    .map((s) => ({
      title: `${s.scope} ${s.metric}`,
      metric: s.metric,
      values: s.values,
      changes: s.changes.map((c) => ({ t: t[c.index], regression: c.regression, label: `${pct(c.change)}${c.run.commit ? ` ${c.run.commit.slice(0, 7)}` : ''}` })),
    }));
  const rows = report.series.flatMap((s) => s.changes.map((c) => `<tr><td>${c.regression ? 'regression' : 'improvement'}</td><td>${esc(s.scope)}</td><td>${esc(s.metric)}</td><td class="num">${esc(pct(c.change))}</td><td>${esc(c.run.startedAt)}</td><td>${esc(c.run.commit ?? '')}</td><td><code>${esc(c.run.dir)}</code></td></tr>`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>drill trend</title>
<style>${UPLOT_CSS}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9} main{max-width:1180px;margin:0 auto;padding:24px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px} th,td{border-bottom:1px solid #e3e6ea;padding:5px 8px;text-align:left} td.num{text-align:right}
.chart{background:#fff;padding:8px;margin:10px 0}</style></head>
<body><main>
<h1>drill trend</h1>
<p>${report.runs.length} runs, ${esc(report.runs[0]!.startedAt)} to ${esc(report.runs.at(-1)!.startedAt)}. Change points by E-divisive means (window ${report.options.windowLength}, p ≤ ${report.options.maxPValue}); red dashed: a regression began there, green: an improvement.</p>
<h2>Change points</h2>
${rows.length ? `<table><thead><tr><th>kind</th><th>scope</th><th>metric</th><th>change</th><th>run started</th><th>commit</th><th>run</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>None.</p>'}
<h2>Series</h2>
${charts.map((_, n) => `<div class="chart" id="t${n}"></div>`).join('')}
</main>
<script id="drill-trend" type="application/json">${scriptJson({ t, charts })}</script>
<script>${UPLOT_JS}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
