import { AppError } from '@sanctum/kernel';
import type { HandleStore } from '../store/handle.store.js';
import { normaliseHandle, validHandle } from './handle.rules.js';

export interface HandleRecord {
  handle: string;
  accountId: string;
}

/** Claiming, changing, releasing and looking up handles. */
export class HandleService {
  constructor(
    private readonly store: HandleStore,
    private readonly now: () => number,
  ) {}

  /** Claims `input` for the account, replacing its current handle; claiming the one it has is a no-op. */
  async claim(accountId: string, input: string): Promise<HandleRecord> {
    const handle = validHandle(input);
    const outcome = await this.store.claim(accountId, handle, this.now());
    if (outcome === 'taken') throw new AppError('DIR_HANDLE_TAKEN', 'That handle belongs to another account', 409);
    return { handle, accountId };
  }

  async release(accountId: string): Promise<void> {
    await this.store.release(accountId);
  }

  /** Exact match on the normalised form; nothing else is ever searchable. */
  async lookup(input: string): Promise<HandleRecord> {
    const handle = normaliseHandle(input);
    const accountId = await this.store.accountOf(handle);
    if (accountId === undefined) throw new AppError('DIR_HANDLE_NOT_FOUND', 'No account has that handle', 404);
    return { handle, accountId };
  }

  async mine(accountId: string): Promise<HandleRecord> {
    const handle = await this.store.handleOf(accountId);
    if (handle === undefined) throw new AppError('DIR_HANDLE_NOT_FOUND', 'This account has no handle', 404);
    return { handle, accountId };
  }
}
