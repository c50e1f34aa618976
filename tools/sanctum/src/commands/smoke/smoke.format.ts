import { formatMeasured, formatThreshold, ms, verdict } from '../../lib/load/report/format.js';
import type { SmokeRun } from './smoke.command.js';

/** The run for a terminal or CI log: verdict, one block per scenario, where the artifacts are. */
export function formatSmokeRun(run: SmokeRun): string[] {
  const { result } = run;
  const lines = [`Sanctum smoke: ${verdict(result)} (SLO ${result.slo.file} version ${result.slo.version})`];
  if (result.error !== undefined) lines.push(`  the run could not complete: ${result.error}`);
  for (const crash of result.crashes) lines.push(`  ${crash.service} crashed: ${crash.exit}`);
  for (const skipped of result.notRun ?? []) lines.push(`  ${skipped.scenario} did not run: ${skipped.reason}`);
  for (const s of result.scenarios) {
    lines.push(
      `  ${s.name.padEnd(9)} ${s.passed ? 'pass' : 'FAIL'}  ${s.targetRps}/s for ${s.durationS} s  ` +
        `errors ${(s.errorRate * 100).toFixed(2)}%  p50 ${ms(s.latencyMs.p50)}  p95 ${ms(s.latencyMs.p95)}  p99 ${ms(s.latencyMs.p99)}` +
        (s.deliveryLatencyMs === undefined ? '' : `  delivery p95 ${ms(s.deliveryLatencyMs.p95)}`) +
        (s.target?.interim === true ? `  [probe target ${s.target.name}]` : ''),
    );
    for (const o of s.objectives)
      lines.push(`      ${o.passed ? 'ok  ' : 'FAIL'} ${o.objective} ${formatThreshold(o)}: ${formatMeasured(o)}${o.detail === undefined ? '' : ` (${o.detail})`}`);
    for (const reason of s.invalidReasons) lines.push(`      INVALID: ${reason}`);
  }
  lines.push(`Artifacts: ${run.files.results}, ${run.files.summary}, ${run.files.report}${run.files.logs.length > 0 ? `, ${run.outDir}/logs/` : ''}`);
  return lines;
}
