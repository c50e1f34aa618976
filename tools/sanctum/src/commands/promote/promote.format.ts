import type { PromoteResult } from './promote.command.js';

export function formatPromote(result: PromoteResult): string {
  if (result.status === 'up-to-date') return `main (${result.previousMain.slice(0, 7)}) already contains ${result.commit.slice(0, 7)}: nothing to promote.`;
  const lines = [
    `Promoted ${result.commit.slice(0, 7)} to main as ${result.tag ?? ''} (via ${result.via}).`,
    `main: ${result.previousMain.slice(0, 7)} → ${result.commit.slice(0, 7)}, ${result.commits.length} commit(s):`,
    ...result.commits.map((c) => `  ${c.sha.slice(0, 7)} ${c.subject}`),
    '',
    ...result.sloSummary,
  ];
  if (result.lagHours !== undefined) lines.push('', `staging → main lag: ${result.lagHours} h`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}
