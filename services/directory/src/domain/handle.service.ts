import { AppError } from '@sanctum/kernel';
import type { HandleStore } from '../store/handle.store.js';
import type { HandleCache } from './handle.cache.js';
import { normaliseHandle, validHandle } from './handle.rules.js';

export interface HandleRecord {
  handle: string;
  accountId: string;
}

/** The lookup cache and how a committed change reaches every instance's copy of it. */
export interface HandleChangeSink {
  readonly cache: HandleCache;
  /** Forgets the account's cached handle here and on the other instances. */
  changed(accountId: string): void;
}

/** Claiming, changing, releasing and looking up handles. */
export class HandleService {
  constructor(
    private readonly store: HandleStore,
    private readonly now: () => number,
    private readonly changes?: HandleChangeSink,
  ) {}

  /** Claims `input` for the account, replacing its current handle; claiming the one it has is a no-op. */
  async claim(accountId: string, input: string): Promise<HandleRecord> {
    const handle = validHandle(input);
    const outcome = await this.store.claim(accountId, handle, this.now());
    // A refused claim rolled back: nothing changed.
    if (outcome === 'taken') throw new AppError('DIR_HANDLE_TAKEN', 'That handle belongs to another account', 409);
    this.changes?.changed(accountId);
    return { handle, accountId };
  }

  async release(accountId: string): Promise<void> {
    await this.store.release(accountId);
    this.changes?.changed(accountId);
  }

  /** Exact match on the normalised form; nothing else is ever searchable. */
  async lookup(input: string): Promise<HandleRecord> {
    const handle = normaliseHandle(input);
    const cache = this.changes?.cache;
    const cached = cache?.get(handle);
    if (cached !== undefined) return { handle, accountId: cached };
    const generation = cache?.begin() ?? 0;
    const accountId = await this.store.accountOf(handle);
    if (accountId !== undefined) cache?.remember(handle, accountId, generation);
    if (accountId === undefined) throw new AppError('DIR_HANDLE_NOT_FOUND', 'No account has that handle', 404);
    return { handle, accountId };
  }

  async mine(accountId: string): Promise<HandleRecord> {
    const handle = await this.store.handleOf(accountId);
    if (handle === undefined) throw new AppError('DIR_HANDLE_NOT_FOUND', 'This account has no handle', 404);
    return { handle, accountId };
  }
}
