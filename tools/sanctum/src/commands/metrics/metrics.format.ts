import type { MetricsResult } from './metrics.command.js';

/** The metrics as an aligned text table, then the alerts and where the files went. */
export function formatMetrics(result: MetricsResult): string {
  const header = ['metric', 'value', 'target', 'alert', 'status', 'n'];
  const rows = result.metrics.map((m) => [m.label, m.value === null ? '—' : `${m.value} ${m.unit}`, m.target, m.alert, m.status, String(m.samples)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const lines = [
    `Release metrics, last ${result.window.days} days (thresholds ${result.alertsVersion})`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    result.alerts.length === 0 ? 'No alerts.' : `ALERTS (${result.alerts.length}):`,
    ...result.alerts.map((a) => `  - ${a.message}`),
    '',
    `JSON: ${result.files.json}`,
    `Dashboard: ${result.files.html}`,
  ];
  if (result.skippedRecords > 0) lines.push(`warning: ${result.skippedRecords} unreadable record(s) skipped`);
  return lines.join('\n');
}
