import { git, tryGit } from './git.runner.js';

/**
 * Git notes: text attached to a commit in a ref of its own, so it travels
 * with the repository (fetch and push it like a branch) without touching the
 * commit. One module for reading, writing and syncing a notes ref.
 */

/** The note on `commit` in `notesRef`, or undefined when there is none. */
export async function readNote(dir: string, notesRef: string, commit: string): Promise<string | undefined> {
  const output = await tryGit(dir, ['notes', `--ref=${notesRef}`, 'show', commit]);
  return output.code === 0 ? output.stdout : undefined;
}

/** Replaces the note on `commit` (one commit on the notes ref). */
export async function writeNote(dir: string, notesRef: string, commit: string, text: string): Promise<void> {
  await git(dir, ['notes', `--ref=${notesRef}`, 'add', '--force', '--file=-', commit], { input: text });
}

/** Every note in the ref: the annotated commit and the note's text. */
export async function readAllNotes(dir: string, notesRef: string): Promise<{ commit: string; text: string }[]> {
  if ((await tryGit(dir, ['rev-parse', '--verify', '--quiet', notesRef])).code !== 0) return [];
  const listing = await git(dir, ['notes', `--ref=${notesRef}`, 'list']);
  const pairs = listing
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [blob = '', commit = ''] = line.split(' ');
      return { blob, commit };
    });
  if (pairs.length === 0) return [];
  // One cat-file process for all notes rather than one git call per commit.
  const batch = await catFileBatch(dir, pairs.map((p) => p.blob));
  return pairs.map((pair) => ({ commit: pair.commit, text: batch.get(pair.blob) ?? '' }));
}

async function catFileBatch(dir: string, objects: readonly string[]): Promise<Map<string, string>> {
  const output = await git(dir, ['cat-file', '--batch'], { input: `${objects.join('\n')}\n` });
  const buffer = Buffer.from(`${output}\n`, 'utf8');
  const texts = new Map<string, string>();
  let offset = 0;
  while (offset < buffer.length) {
    const headerEnd = buffer.indexOf(0x0a, offset);
    if (headerEnd < 0) break;
    const [sha = '', , size = '0'] = buffer.subarray(offset, headerEnd).toString('utf8').split(' ');
    const length = Number(size);
    texts.set(sha, buffer.subarray(headerEnd + 1, headerEnd + 1 + length).toString('utf8'));
    offset = headerEnd + 1 + length + 1;
  }
  return texts;
}

/** Where a remote's copy of a notes ref is fetched to: `refs/notes/remotes/<remote>/<name>`. */
export function remoteNotesRef(notesRef: string, remote: string): string {
  return `refs/notes/remotes/${remote}/${notesRef.replace(/^refs\/notes\//, '')}`;
}

/**
 * Fetches the remote's notes and folds them into the local ref. Both sides may
 * have added notes since they last met; `cat_sort_uniq` unions the lines of a
 * note both touched, which suits line-per-entry notes.
 */
export async function fetchAndMergeNotes(dir: string, remote: string, notesRef: string): Promise<void> {
  const tracking = remoteNotesRef(notesRef, remote);
  // A glob refspec matches nothing (no error) when the remote has no notes yet.
  await git(dir, ['fetch', '--quiet', remote, `+refs/notes/*:refs/notes/remotes/${remote}/*`]);
  const theirs = await tryGit(dir, ['rev-parse', '--verify', '--quiet', tracking]);
  if (theirs.code !== 0) return;
  const ours = await tryGit(dir, ['rev-parse', '--verify', '--quiet', notesRef]);
  if (ours.code !== 0) {
    await git(dir, ['update-ref', notesRef, theirs.stdout.trim()]);
    return;
  }
  await git(dir, ['notes', `--ref=${notesRef}`, 'merge', '--quiet', '--strategy=cat_sort_uniq', tracking]);
}

/**
 * Pushes the notes ref without force; when someone else pushed notes first,
 * fetches and merges theirs, then tries again (a few times).
 */
export async function pushNotes(dir: string, remote: string, notesRef: string, attempts = 5): Promise<void> {
  let lastError = '';
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const output = await tryGit(dir, ['push', '--quiet', remote, `${notesRef}:${notesRef}`]);
    if (output.code === 0) return;
    lastError = output.stderr.trim();
    await fetchAndMergeNotes(dir, remote, notesRef);
  }
  throw new Error(`could not push ${notesRef} to ${remote}: ${lastError}`);
}
