import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): 48 bits of milliseconds, then random bits, so
 * ids sort by creation time. Conversation listings page by id, and a
 * time-ordered id keeps that order stable and meaningful. The random part is
 * taken from `randomUUID` (which draws from a pooled buffer) because ids are
 * made on the send path.
 */
export function timeOrderedId(nowMs: number = Date.now()): string {
  const time = nowMs.toString(16).padStart(12, '0');
  // randomUUID() is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its random tail after the version digit.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/** The smallest `timeOrderedId` that can be made at `nowMs`: every id made earlier sorts below it. */
export function timeOrderedIdFloor(nowMs: number): string {
  const time = nowMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7000-8000-000000000000`;
}
