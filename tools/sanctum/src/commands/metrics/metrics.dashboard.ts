import type { MetricsReport, SeriesPoint } from './metrics.compute.js';

const escape = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const WIDTH = 560;
const HEIGHT = 180;
const PAD = 36;

/** One trend as an inline SVG line chart (no scripts, no external files). */
export function trendChart(title: string, unit: string, points: readonly SeriesPoint[], limit?: number): string {
  if (points.length === 0) return `<figure><figcaption>${escape(title)}</figcaption><p class="empty">No data in the window.</p></figure>`;
  const times = points.map((p) => Date.parse(p.time));
  const values = points.map((p) => p.value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const top = Math.max(...values, limit ?? 0) * 1.1 || 1;
  const x = (t: number): number => PAD + (t1 === t0 ? (WIDTH - 2 * PAD) / 2 : ((t - t0) / (t1 - t0)) * (WIDTH - 2 * PAD));
  const y = (v: number): number => HEIGHT - PAD + -(v / top) * (HEIGHT - 2 * PAD);
  const path = points.map((p, i) => `${x(times[i] ?? 0).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const dots = points
    .map((p, i) => `<circle cx="${x(times[i] ?? 0).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3"><title>${escape(`${p.time} ${p.commit.slice(0, 7)}: ${p.value} ${unit}`)}</title></circle>`)
    .join('');
  const limitLine =
    limit === undefined
      ? ''
      : `<line class="limit" x1="${PAD}" x2="${WIDTH - PAD}" y1="${y(limit).toFixed(1)}" y2="${y(limit).toFixed(1)}"/><text class="limit" x="${WIDTH - PAD}" y="${(y(limit) - 4).toFixed(1)}" text-anchor="end">${limit} ${escape(unit)}</text>`;
  return [
    `<figure><figcaption>${escape(title)}</figcaption>`,
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escape(title)}">`,
    `<line class="axis" x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}"/>`,
    `<line class="axis" x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${HEIGHT - PAD}"/>`,
    `<text x="${PAD - 4}" y="${PAD}" text-anchor="end">${Number(top.toFixed(2))}</text><text x="${PAD - 4}" y="${HEIGHT - PAD}" text-anchor="end">0</text>`,
    `<text x="${PAD}" y="${HEIGHT - 8}">${escape(new Date(t0).toISOString().slice(0, 10))}</text>`,
    `<text x="${WIDTH - PAD}" y="${HEIGHT - 8}" text-anchor="end">${escape(new Date(t1).toISOString().slice(0, 10))}</text>`,
    limitLine,
    `<polyline points="${path}"/>${dots}</svg></figure>`,
  ].join('');
}

const limitOf = (report: MetricsReport, id: string): number | undefined => {
  const metric = report.metrics.find((m) => m.id === id);
  const bound = metric === undefined ? '' : metric.alert.length > 0 ? metric.alert : metric.target;
  const match = /[≤≥] ([\d.]+)/.exec(bound);
  return match === null ? undefined : Number(match[1]);
};

/** The whole report as one self-contained HTML page. */
export function renderDashboard(report: MetricsReport): string {
  const rows = report.metrics
    .map(
      (m) =>
        `<tr class="${m.status}"><td>${escape(m.label)}</td><td>${m.value === null ? '—' : `${m.value} ${escape(m.unit)}`}</td>` +
        `<td>${escape(m.target)}</td><td>${escape(m.alert)}</td><td>${m.status}</td><td>${m.samples}</td><td>${escape(m.detail ?? '')}</td></tr>`,
    )
    .join('\n');
  const alerts =
    report.alerts.length === 0
      ? '<p class="ok">No alerts.</p>'
      : `<ul class="alerts">${report.alerts.map((a) => `<li>${escape(a.message)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sanctum release metrics</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
tr.alert td{background:#fde2e1}tr.off-target td{background:#fff4d6}.alerts li{color:#b42318;font-weight:600}.ok{color:#067647}
figure{display:inline-block;margin:1rem 1rem 0 0}svg{width:${WIDTH}px;height:${HEIGHT}px;font-size:10px}polyline{fill:none;stroke:#1d4ed8;stroke-width:2}
circle{fill:#1d4ed8}.axis{stroke:#888}line.limit{stroke:#b42318;stroke-dasharray:4 3}text.limit{fill:#b42318}.empty{color:#888}
</style></head><body>
<h1>Sanctum release metrics</h1>
<p>Generated ${escape(report.generatedAt)}; window ${report.window.days} days since ${escape(report.window.since)}; thresholds version ${escape(report.alertsVersion)}.
Records: ${Object.entries(report.counts).map(([k, v]) => `${v} ${k}`).join(', ')}.</p>
<h2>Alerts</h2>${alerts}
<h2>Metrics</h2>
<table><thead><tr><th>metric</th><th>value</th><th>target</th><th>alert</th><th>status</th><th>samples</th><th>detail</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Trends</h2>
${trendChart('p95 latency (worst scenario)', 'ms', report.series.p95Ms, limitOf(report, 'p95_ms'))}
${trendChart('Error rate (worst scenario)', '%', report.series.errorRatePercent, limitOf(report, 'error_rate_percent'))}
${trendChart('Staging → main lag', 'h', report.series.lagHours, limitOf(report, 'staging_main_lag_hours'))}
${trendChart('Build time', 'min', report.series.buildTimeMinutes, limitOf(report, 'build_time_minutes'))}
${trendChart('Coverage (statements)', '%', report.series.coveragePercent, limitOf(report, 'coverage_statements_percent'))}
</body></html>
`;
}
