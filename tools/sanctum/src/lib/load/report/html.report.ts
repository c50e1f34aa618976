import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ScenarioResult, SmokeResult } from '../../smoke-result.js';
import { scenarioCharts } from './chart.data.js';
import type { ChartSpec } from './chart.data.js';
import { deliveryLine, diskLine, formatMeasured, formatThreshold, megabytes, ms, verdict } from './format.js';

const require = createRequire(import.meta.url);

/** uPlot (MIT, ~50 KB) inlined so the report opens from disk with no server and no network. */
async function uplotAssets(): Promise<{ js: string; css: string }> {
  const [js, css] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ]);
  return { js, css };
}

/** The run as one self-contained HTML page: verdict, objective tables and four charts per scenario. */
export async function htmlReport(result: SmokeResult): Promise<string> {
  const { js, css } = await uplotAssets();
  const charts = result.scenarios.flatMap((s, i) => scenarioCharts(s, i));
  const state = verdict(result);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sanctum smoke: ${state}</title>
<style>${css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header class="verdict ${state.toLowerCase()}"><h1>Sanctum smoke: ${state}</h1>
<p>Commit <code>${escape(result.commit ?? 'unknown')}</code> · SLO <code>${escape(result.slo.file)}</code> version ${escape(result.slo.version)} · ${escape(result.startedAt)} → ${escape(result.finishedAt)}</p></header>
<main>
${result.error === undefined ? '' : `<p class="problem">The run could not complete: ${escape(result.error)}</p>`}
${result.crashes.map((c) => `<p class="problem">${escape(c.service)} crashed: ${escape(c.exit)}</p>`).join('\n')}
${(result.notRun ?? []).map((n) => `<p class="problem">${escape(n.scenario)} did not run: ${escape(n.reason)}</p>`).join('\n')}
${result.scenarios.map((s, i) => scenarioSection(s, i)).join('\n')}
</main>
<script type="application/json" id="chart-data">${jsonForScript(charts)}</script>
<script>${js}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

function scenarioSection(s: ScenarioResult, index: number): string {
  const rows = s.objectives
    .map(
      (o) =>
        `<tr class="${o.passed ? 'pass' : 'fail'}"><td>${escape(o.objective)}</td><td>${escape(formatThreshold(o))}</td>` +
        `<td>${escape(formatMeasured(o))}${o.detail === undefined ? '' : ` <small>(${escape(o.detail)})</small>`}</td><td>${o.passed ? 'pass' : 'FAIL'}</td></tr>`,
    )
    .join('');
  const target = s.target === undefined ? '' : `<p class="${s.target.interim ? 'probe' : ''}">Target <code>${escape(s.target.name)}</code>: ${escape(s.target.description)}${s.target.interim ? ' — <strong>a probe, not the Messaging send path</strong>' : ''}</p>`;
  const delivery = deliveryLine(s);
  const disk = diskLine(s);
  const invalid = s.valid ? '' : `<div class="problem"><strong>Invalid run</strong> (the generator could not keep its schedule)<ul>${s.invalidReasons.map((r) => `<li>${escape(r)}</li>`).join('')}</ul></div>`;
  const resources = s.resources
    .map((r) => `<tr><td>${escape(r.service)}</td><td>${r.cpuAvgPercent.toFixed(1)}%</td><td>${r.memoryGrowthPercent.toFixed(2)}%</td><td>${megabytes(r.peakRssBytes)}</td></tr>`)
    .join('');
  const charts = ['latency', 'throughput', 'cpu', 'memory'].map((kind) => `<div class="chart" id="${kind}-${index}"></div>`).join('');
  return `<section class="scenario" id="scenario-${index}">
<h2>${escape(s.name)} <span class="badge ${s.passed ? 'pass' : 'fail'}">${s.passed ? 'pass' : 'fail'}</span></h2>
<p>${s.targetRps} req/s for ${s.durationS} s${s.warmupS ? ` after ${s.warmupS} s unmeasured ramp-up` : ''}, ${s.payloadBytes} B payload · ${s.requests.scheduled} scheduled, ${s.requests.ok} ok, ${s.requests.errors} errors (${(s.errorRate * 100).toFixed(2)}%) · p50 ${ms(s.latencyMs.p50)}, p95 ${ms(s.latencyMs.p95)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)}</p>
${delivery === undefined ? '' : `<p class="delivery">${escape(delivery)}</p>`}
${disk === undefined ? '' : `<p class="disk">${escape(disk)}</p>`}
${target}${invalid}
<table><thead><tr><th>objective</th><th>threshold</th><th>measured</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>
${resources === '' ? '' : `<table><thead><tr><th>service</th><th>CPU avg</th><th>memory growth</th><th>peak RSS</th></tr></thead><tbody>${resources}</tbody></table>`}
<div class="charts">${charts}</div>
</section>`;
}

/** JSON inside a <script> element: `<` escaped so no `</script>` in the data can end it. */
function jsonForScript(charts: readonly ChartSpec[]): string {
  return JSON.stringify(charts).replace(/</g, '\\u003c');
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:12px 24px;color:#fff}header h1{margin:0 0 4px;font-size:22px}header p{margin:0}
.passed{background:#1f7a3a}.failed{background:#b3261e}.invalid{background:#9a6700}
main{padding:8px 24px 32px}section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:16px 0;padding:8px 16px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 10px;text-align:left}
tr.fail td{background:#fdecea}tr.pass td:last-child{color:#1f7a3a}.badge{font-size:13px;padding:2px 8px;border-radius:10px;color:#fff}
.badge.pass{background:#1f7a3a}.badge.fail{background:#b3261e}.problem{color:#b3261e}.probe{background:#fff4ce;padding:4px 8px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px}.chart{min-height:300px}`;

// Runs in the browser: draws every chart from the embedded JSON with uPlot.
const CHART_SCRIPT = `
(function () {
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var series = [{ label: 't (s)' }].concat(spec.series.map(function (s, i) {
      return { label: s.label, stroke: colors[i % colors.length], width: 1.5, spanGaps: false };
    }));
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var width = Math.max(520, Math.min(el.clientWidth || 560, 900));
    new uPlot({
      title: spec.title + ' (' + spec.unit + ')',
      width: width,
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'seconds' }, { label: spec.unit }],
      series: series
    }, data, el);
  });
  document.body.setAttribute('data-charts-drawn', String(specs.length));
})();
`;
