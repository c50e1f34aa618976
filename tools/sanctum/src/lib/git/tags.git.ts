import { git, tryGit } from './git.runner.js';

export const RELEASE_TAG_PREFIX = 'release/';
const RELEASE_TAG = /^release\/(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** `release/YYYYMMDD-HHMMSS` in UTC. */
export function releaseTagName(at: Date): string {
  const iso = at.toISOString(); // 2025-01-03T02:00:00.000Z
  return `${RELEASE_TAG_PREFIX}${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

export function isReleaseTagName(name: string): boolean {
  return RELEASE_TAG.test(name);
}

/** The UTC moment a release tag's name encodes. */
export function releaseTagTime(name: string): Date | undefined {
  const match = RELEASE_TAG.exec(name);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/** Release tags, oldest first (the name sorts by time). */
export async function listReleaseTags(dir: string): Promise<string[]> {
  const output = await git(dir, ['tag', '--list', `${RELEASE_TAG_PREFIX}*`]);
  return output
    .split('\n')
    .filter((name) => isReleaseTagName(name))
    .sort();
}

export async function tagExists(dir: string, name: string): Promise<boolean> {
  return (await tryGit(dir, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}`])).code === 0;
}

/** An annotated tag (tagger, date and message travel with it). */
export async function createAnnotatedTag(dir: string, name: string, commit: string, message: string, at?: Date): Promise<void> {
  // The tagger date is the promotion moment, so the tag and its name agree.
  const env = at === undefined ? undefined : { GIT_COMMITTER_DATE: at.toISOString() };
  await git(dir, ['tag', '--annotate', '--file=-', '--cleanup=verbatim', name, commit], { input: message, ...(env ? { env } : {}) });
}

export async function deleteLocalTag(dir: string, name: string): Promise<void> {
  await tryGit(dir, ['tag', '--delete', name]);
}

