import { AppError } from '@sanctum/kernel';
import type { GitHubTarget } from '../../lib/github/github.client.js';
import { gitHubFailure } from '../../lib/github/github.client.js';
import { commitsBetween, resolveCommit } from '../../lib/git/refs.git.js';
import { listReleaseTags, releaseTagTime } from '../../lib/git/tags.git.js';
import { parseConventionalCommit, SECTIONS } from './conventional-commit.js';

export interface ReleaseNotesOptions {
  readonly dir: string;
  /** Older end (exclusive); default the release tag before `to`. */
  readonly from?: string;
  /** Newer end; default the newest release tag. */
  readonly to?: string;
  /** Also create the GitHub release for `to`. */
  readonly github?: GitHubTarget;
}

export interface ReleaseNoteEntry {
  readonly sha: string;
  readonly scope?: string;
  readonly description: string;
  readonly breaking: boolean;
}

export interface ReleaseNotesResult {
  readonly from?: string;
  readonly to: string;
  readonly title: string;
  readonly sections: readonly { readonly title: string; readonly type: string; readonly entries: readonly ReleaseNoteEntry[] }[];
  readonly breaking: readonly ReleaseNoteEntry[];
  readonly markdown: string;
  readonly githubReleaseUrl?: string;
}

/**
 * `sanctum release-notes [from] [to]`: the changes between two release tags
 * (default the last two), grouped by Conventional Commit type, as Markdown.
 */
export async function releaseNotesCommand(options: ReleaseNotesOptions): Promise<ReleaseNotesResult> {
  const tags = await listReleaseTags(options.dir);
  const to = options.to ?? tags.at(-1);
  if (to === undefined) throw new AppError('GATE_NO_RELEASES', 'No release tags yet (release/YYYYMMDD-HHMMSS); name the range explicitly', 404);
  const toIndex = tags.indexOf(to);
  const from = options.from ?? (toIndex > 0 ? tags[toIndex - 1] : undefined);
  for (const revision of [from, to]) {
    if (revision !== undefined && (await resolveCommit(options.dir, revision)) === undefined) {
      throw new AppError('GATE_REF_NOT_FOUND', `${revision} is not a tag or commit here (fetch tags first?)`, 404);
    }
  }
  const commits = await commitsBetween(options.dir, from, to, { noMerges: true });
  const entries = commits.map((commit) => {
    const parsed = parseConventionalCommit(commit.subject, commit.body);
    const entry: ReleaseNoteEntry = { sha: commit.sha, description: parsed.description, breaking: parsed.breaking, ...(parsed.scope === undefined ? {} : { scope: parsed.scope }) };
    return { type: SECTIONS.some((s) => s.type === parsed.type) ? parsed.type : 'other', entry };
  });
  const sections = SECTIONS.map((section) => ({
    title: section.title,
    type: section.type,
    entries: entries.filter((e) => e.type === section.type).map((e) => e.entry),
  })).filter((section) => section.entries.length > 0);
  const breaking = entries.filter((e) => e.entry.breaking).map((e) => e.entry);
  const when = releaseTagTime(to);
  const title = when === undefined ? to : `Release ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const markdown = renderMarkdown({ to, title, sections, breaking, ...(from === undefined ? {} : { from }) });
  const result = { to, title, sections, breaking, markdown, ...(from === undefined ? {} : { from }) };
  if (options.github === undefined) return result;
  const { octokit, owner, repo } = options.github;
  try {
    const release = await octokit.rest.repos.createRelease({ owner, repo, tag_name: to, name: title, body: markdown });
    return { ...result, githubReleaseUrl: release.data.html_url };
  } catch (error) {
    throw gitHubFailure(`create the release ${to}`, error);
  }
}

function line(entry: ReleaseNoteEntry): string {
  return `- ${entry.scope === undefined ? '' : `**${entry.scope}:** `}${entry.description} (${entry.sha.slice(0, 7)})`;
}

function renderMarkdown(notes: Omit<ReleaseNotesResult, 'markdown'>): string {
  const lines = [`## ${notes.title} — \`${notes.to}\``, '', notes.from === undefined ? 'Everything up to this release.' : `Changes since \`${notes.from}\`.`];
  if (notes.breaking.length > 0) lines.push('', '### ⚠ Breaking changes', ...notes.breaking.map(line));
  for (const section of notes.sections) lines.push('', `### ${section.title}`, ...section.entries.map(line));
  if (notes.sections.length === 0) lines.push('', 'No changes.');
  return `${lines.join('\n')}\n`;
}
