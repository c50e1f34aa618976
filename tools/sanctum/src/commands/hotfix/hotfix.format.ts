import type { BackportResult } from './backport.command.js';
import type { HotfixFinishResult, HotfixStartResult } from './hotfix.command.js';

export function formatHotfixStart(result: HotfixStartResult): string {
  return [
    `Created ${result.branch} from main (${result.base.slice(0, 7)})${result.switched ? ' and switched to it' : ''}${result.pushed ? '; pushed' : ''}.`,
    `Fix, commit, then \`sanctum hotfix finish ${result.branch.slice('hotfix/'.length)}\` (or open a pull request into main).`,
  ].join('\n');
}

export function formatBackport(result: BackportResult): string {
  switch (result.status) {
    case 'up-to-date':
      return `staging (${result.staging.slice(0, 7)}) already contains main (${result.main.slice(0, 7)}): nothing to backport.`;
    case 'merged':
      return `Merged main (${result.main.slice(0, 7)}) into staging: ${result.mergeCommit.slice(0, 7)}, pushed.`;
    case 'conflict':
      return [
        `Backport CONFLICT: merging main (${result.main.slice(0, 7)}) into staging (${result.staging.slice(0, 7)}) conflicts in:`,
        ...result.files.map((file) => `  ${file}`),
        'The merge was aborted; nothing was pushed. Resolve it by hand:',
        '  git checkout staging && git merge origin/main   # fix the files, commit',
        '  git push origin staging   # or open a pull request into staging',
      ].join('\n');
  }
}

export function formatHotfixFinish(result: HotfixFinishResult): string {
  const lines =
    result.tag === undefined
      ? [`main already contains ${result.branch} (${result.commit.slice(0, 7)}).`]
      : [
          `Fast-forwarded main ${result.previousMain.slice(0, 7)} → ${result.commit.slice(0, 7)} and tagged ${result.tag} (pushed atomically):`,
          ...result.commits.map((c) => `  ${c.sha.slice(0, 7)} ${c.subject}`),
        ];
  lines.push(formatBackport(result.backport));
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}
