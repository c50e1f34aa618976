import type { RunRecord } from './run-record.js';

function formatNumber(value: number | null): string {
  if (value === null) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 4 : 2);
}

/**
 * The SLO summary of a nightly record as plain-text lines: the message of a
 * release tag and the body of a GitHub release carry it, so anyone can see
 * what a release was judged by with `git show release/…`.
 */
export function sloSummaryLines(record: RunRecord): string[] {
  const nightly = record.nightly;
  if (nightly === undefined) return [`No smoke results recorded (${record.kind} record).`];
  const lines = [
    `Smoke: ${record.passed ? 'PASSED' : 'FAILED'} at ${nightly.targetRps} req/s, soak ${nightly.soakDurationMin} min (finished ${record.time})`,
  ];
  if (nightly.slo !== undefined) lines.push(`SLO file: ${nightly.slo.file} (version ${nightly.slo.version})`);
  for (const scenario of nightly.scenarios) {
    lines.push(
      `- ${scenario.name}: ${scenario.passed ? 'pass' : 'FAIL'}; errors ${(scenario.errorRate * 100).toFixed(2)}%, ` +
        `p95 ${formatNumber(scenario.p95Ms)} ms, p99 ${formatNumber(scenario.p99Ms)} ms`,
    );
    for (const objective of scenario.objectives) {
      lines.push(
        `    ${objective.passed ? 'ok  ' : 'FAIL'} ${objective.objective}: ${formatNumber(objective.measured)} < ${formatNumber(objective.threshold)} ${objective.unit}`,
      );
    }
  }
  if (nightly.crashes.length > 0) lines.push(`Crashes: ${nightly.crashes.map((c) => `${c.service} (${c.exit})`).join(', ')}`);
  return lines;
}
