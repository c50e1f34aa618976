import type { RollbackResult } from './rollback.command.js';

export function formatRollback(result: RollbackResult): string {
  if (result.resets.length === 0) return 'Nothing to roll back: the branches already point there.';
  const lines = [result.applied ? 'Rolled back:' : 'Rollback plan (nothing changed yet; run again with --yes to apply):'];
  for (const reset of result.resets) {
    lines.push(`  ${reset.branch}: ${reset.from.slice(0, 7)} → ${reset.to.slice(0, 7)}${result.tag !== undefined && reset.branch !== 'staging' ? ` (${result.tag})` : ''}, removing ${reset.removed.length} commit(s):`);
    for (const commit of reset.removed) lines.push(`    - ${commit.sha.slice(0, 7)} ${commit.subject}`);
  }
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}
