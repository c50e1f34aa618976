import { fetchAndMergeNotes, pushNotes, readAllNotes, readNote, writeNote } from '../git/notes.git.js';
import { parseRecord } from './run-record.js';
import type { RunRecord } from './run-record.js';

/**
 * Run records live in git notes on the commit they concern, under their own
 * notes ref, one JSON record per line. The store travels with the repository
 * (push and fetch the ref), needs no server, and a record can never drift from
 * its commit. Concurrent writers merge with `cat_sort_uniq` (a union of lines).
 */
export const RECORDS_NOTES_REF = 'refs/notes/sanctum-runs';

export interface RecordStoreOptions {
  /** A clone of the repository. */
  readonly dir: string;
  /** The notes ref (default refs/notes/sanctum-runs). */
  readonly notesRef?: string;
}

function refOf(options: RecordStoreOptions): string {
  return options.notesRef ?? RECORDS_NOTES_REF;
}

/** Adds a record to its commit's note (locally; `publishRecords` pushes). */
export async function appendRecord(options: RecordStoreOptions, record: RunRecord): Promise<void> {
  const ref = refOf(options);
  const existing = (await readNote(options.dir, ref, record.commit)) ?? '';
  const lines = existing.split('\n').filter((line) => line.trim().length > 0);
  lines.push(JSON.stringify(record));
  await writeNote(options.dir, ref, record.commit, `${lines.join('\n')}\n`);
}

export interface LoadedRecords {
  /** Usable records, oldest first. */
  readonly records: RunRecord[];
  /** Lines that could not be read (kept out of the metrics, reported). */
  readonly skipped: { commit: string; reason: string }[];
}

/** Every record in the local store, oldest first. */
export async function loadRecords(options: RecordStoreOptions): Promise<LoadedRecords> {
  const notes = await readAllNotes(options.dir, refOf(options));
  const records: RunRecord[] = [];
  const skipped: { commit: string; reason: string }[] = [];
  for (const note of notes) {
    for (const line of note.text.split('\n')) {
      if (line.trim().length === 0) continue;
      try {
        const record = parseRecord(line);
        if (record.commit !== note.commit) throw new Error(`record names ${record.commit} but is attached to ${note.commit}`);
        records.push(record);
      } catch (error) {
        skipped.push({ commit: note.commit, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  records.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return { records, skipped };
}

/** Records of one commit, oldest first. */
export async function recordsFor(options: RecordStoreOptions, commit: string): Promise<RunRecord[]> {
  const text = (await readNote(options.dir, refOf(options), commit)) ?? '';
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .flatMap((line) => {
      try {
        return [parseRecord(line)];
      } catch {
        return [];
      }
    })
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** Brings the remote's records in (merging with local ones). */
export async function syncRecords(options: RecordStoreOptions & { remote: string }): Promise<void> {
  await fetchAndMergeNotes(options.dir, options.remote, refOf(options));
}

/** Pushes the local records to the remote (merging and retrying when it moved). */
export async function publishRecords(options: RecordStoreOptions & { remote: string }): Promise<void> {
  await pushNotes(options.dir, options.remote, refOf(options));
}
