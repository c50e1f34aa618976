import { describeStepOutcome } from '../../lib/process/step.runner.js';
import type { NightlyResult } from './nightly.command.js';

const HEADLINES: Record<NightlyResult['status'], string> = {
  'up-to-date': 'Nothing to do: main already contains staging',
  promoted: 'Passed and promoted',
  passed: 'Passed (not promoted: --no-promote)',
  failed: 'FAILED: promotion blocked',
  blocked: 'BLOCKED: not promoted',
  interrupted: 'INTERRUPTED: nothing recorded or promoted',
};

/** The run as Markdown: the workflow's step summary and the human output. */
export function formatNightlyMarkdown(result: NightlyResult): string {
  const lines = [
    `## Nightly smoke: ${HEADLINES[result.status]}`,
    '',
    `- Commit: \`${result.commit}\``,
    `- main was: \`${result.main}\``,
    `- Load: ${result.targetRps} req/s, soak ${result.soakDurationMin} min`,
    `- Artifacts: \`${result.outDir}\``,
  ];
  if (result.promotion?.tag !== undefined) lines.push(`- Release tag: \`${result.promotion.tag}\` (${result.promotion.commits.length} commit(s))`);
  if (result.reason !== undefined) lines.push('', `**Reason:** ${result.reason}`);
  if (result.steps.length > 0) {
    lines.push('', '| step | result | time | log |', '|---|---|---|---|');
    for (const step of result.steps) {
      lines.push(`| ${step.name} | ${describeStepOutcome(step)} | ${(step.durationMs / 1000).toFixed(1)} s | \`${step.logFile}\` |`);
    }
  }
  if (result.sloSummary.length > 0) lines.push('', '```', ...result.sloSummary, '```');
  for (const warning of result.warnings) lines.push('', `> warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
