/** A commit subject read as a Conventional Commit: `type(scope)!: description`. */
export interface ConventionalCommit {
  readonly type: string;
  readonly scope?: string;
  readonly breaking: boolean;
  readonly description: string;
}

const HEADER = /^(?<type>[a-zA-Z]+)(?:\((?<scope>[^()]+)\))?(?<bang>!)?: (?<description>.+)$/;

/** Parses a subject (and body, for a `BREAKING CHANGE:` footer); a subject that does not follow the convention gets type `other`. */
export function parseConventionalCommit(subject: string, body = ''): ConventionalCommit {
  const match = HEADER.exec(subject.trim());
  const footerBreaking = /^BREAKING[ -]CHANGE: /m.test(body);
  if (match?.groups === undefined) return { type: 'other', breaking: footerBreaking, description: subject.trim() };
  const { type = 'other', scope, bang, description = '' } = match.groups;
  return { type: type.toLowerCase(), ...(scope === undefined ? {} : { scope }), breaking: bang !== undefined || footerBreaking, description };
}

/** Section titles in the order they appear in the notes. */
export const SECTIONS: readonly { readonly type: string; readonly title: string }[] = [
  { type: 'feat', title: 'Features' },
  { type: 'fix', title: 'Bug fixes' },
  { type: 'perf', title: 'Performance' },
  { type: 'security', title: 'Security' },
  { type: 'revert', title: 'Reverts' },
  { type: 'refactor', title: 'Refactoring' },
  { type: 'docs', title: 'Documentation' },
  { type: 'test', title: 'Tests' },
  { type: 'build', title: 'Build' },
  { type: 'ci', title: 'CI' },
  { type: 'chore', title: 'Chores' },
  { type: 'style', title: 'Style' },
  { type: 'other', title: 'Other changes' },
];
