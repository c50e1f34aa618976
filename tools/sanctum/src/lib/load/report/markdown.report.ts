import type { ScenarioResult, SmokeResult } from '../../smoke-result.js';
import { deliveryLine, diskLine, formatMeasured, formatThreshold, megabytes, ms, verdict } from './format.js';

const MARK = { PASSED: '✅', FAILED: '❌', INVALID: '⚠️' } as const;

/** The run as Markdown, fit for `$GITHUB_STEP_SUMMARY` (GitHub-flavoured tables, no HTML). */
export function markdownSummary(result: SmokeResult): string {
  const state = verdict(result);
  const lines = [`## Sanctum smoke: ${state} ${MARK[state]}`, ''];
  lines.push(
    `Commit \`${result.commit ?? 'unknown'}\` · SLO \`${result.slo.file}\` version ${result.slo.version} · ${result.startedAt} → ${result.finishedAt}`,
    '',
  );
  if (result.error !== undefined) lines.push(`**The run could not complete:** ${result.error}`, '');
  const probe = result.scenarios.find((s) => s.target?.interim === true)?.target;
  if (probe !== undefined) lines.push(`> **Probe target** \`${probe.name}\`: ${probe.description}. This is not the Messaging send path.`, '');
  for (const crash of result.crashes) lines.push(`- ❌ **${crash.service} crashed**: ${crash.exit}`);
  for (const skipped of result.notRun ?? []) lines.push(`- ❌ **${skipped.scenario} did not run**: ${skipped.reason}`);
  if (result.crashes.length > 0 || (result.notRun?.length ?? 0) > 0) lines.push('');
  if (result.scenarios.length > 0) {
    lines.push(
      '| scenario | rate | duration | payload | requests | errors | p50 | p95 | p99 | delivery p95 | valid | result |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    );
    for (const s of result.scenarios) {
      lines.push(
        `| ${s.name} | ${s.targetRps}/s | ${s.durationS} s${s.warmupS ? ` (+${s.warmupS} s warm-up)` : ''} | ${s.payloadBytes} B | ${s.requests.scheduled} | ` +
          `${s.requests.errors} (${(s.errorRate * 100).toFixed(2)}%) | ${ms(s.latencyMs.p50)} | ${ms(s.latencyMs.p95)} | ` +
          `${ms(s.latencyMs.p99)} | ${s.deliveryLatencyMs === undefined ? '—' : ms(s.deliveryLatencyMs.p95)} | ${s.valid ? 'yes' : '**no**'} | ${s.passed ? '✅ pass' : '❌ fail'} |`,
      );
    }
    lines.push('');
  }
  for (const s of result.scenarios) lines.push(...scenarioSection(s));
  lines.push('Artifacts: `results.json` (with encoded HDR histograms), `report.html` (charts), `histograms/*.hlog`, `logs/`.', '');
  return lines.join('\n');
}

function scenarioSection(s: ScenarioResult): string[] {
  const lines = [`### ${s.name}`, '', '| objective | threshold | measured | result |', '|---|---|---|---|'];
  for (const o of s.objectives) {
    const detail = o.detail === undefined ? '' : ` (${o.detail})`;
    lines.push(`| ${o.objective} | ${formatThreshold(o)} | ${formatMeasured(o)}${detail} | ${o.passed ? '✅' : '❌'} |`);
  }
  lines.push('');
  if (!s.valid) {
    lines.push('**Invalid run** — the generator could not keep its schedule:');
    for (const reason of s.invalidReasons) lines.push(`- ${reason}`);
    lines.push('');
  }
  const delivery = deliveryLine(s);
  if (delivery !== undefined) lines.push(delivery, '');
  if (s.errorBreakdown !== undefined && s.requests.errors > 0) {
    const statuses = Object.entries(s.errorBreakdown.status).map(([code, n]) => `${n}× HTTP ${code}`);
    const parts = [...statuses, `${s.errorBreakdown.timeouts} timeouts`, `${s.errorBreakdown.connection} connection errors`];
    lines.push(`Errors: ${parts.join(', ')}.`, '');
  }
  if (s.resources.length > 0 || (s.resourceGaps?.length ?? 0) > 0) {
    lines.push('| service | CPU avg | memory growth | peak RSS |', '|---|---:|---:|---:|');
    for (const r of s.resources)
      lines.push(`| ${r.service} | ${r.cpuAvgPercent.toFixed(1)}% | ${r.memoryGrowthPercent.toFixed(2)}% | ${megabytes(r.peakRssBytes)} |`);
    for (const gap of s.resourceGaps ?? []) lines.push(`| ${gap.service} | — | — | ${gap.reason} |`);
    lines.push('');
  }
  if (s.generator !== undefined) {
    const g = s.generator;
    lines.push(
      `Generator: dispatch lag p99 ${ms(g.dispatchLagMs.p99)} (max ${ms(g.dispatchLagMs.max)}), ` +
        `event-loop delay p99 ${ms(g.eventLoopDelayMs.p99)}, CPU ${g.cpuAvgPercent.toFixed(1)}% of a core, ` +
        `${g.connections} connections, peak client queue ${g.peakClientQueue}` +
        (g.gcPauses === undefined
          ? '.'
          : `; GC pauses ${ms(g.gcPauses.totalMs)} in all (${g.gcPauses.minor} minor, ${g.gcPauses.major} major, longest ${ms(g.gcPauses.maxMs)}).`),
      '',
    );
  }
  const disk = diskLine(s);
  if (disk !== undefined) lines.push(disk, '');
  return lines;
}
