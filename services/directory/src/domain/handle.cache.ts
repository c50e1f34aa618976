export interface HandleCacheOptions {
  /** How long an entry may answer lookups; bounds staleness if an invalidation is lost (0 disables the cache). */
  ttlMs: number;
  maxEntries: number;
}

interface Entry {
  accountId: string;
  expiresAt: number;
}

/**
 * Recent handle → account answers of this process. A lookup from the
 * database costs more than the rest of the route (three system calls for the
 * SQLite read lock alone), and lookups vastly outnumber handle changes.
 *
 * Only found handles are kept, so a newly claimed handle is visible at once.
 * A change is announced by account (the account's old handle is what may be
 * stale): writes in this process forget it before answering, other instances
 * learn it over the bus, and every entry expires after `ttlMs` in case a bus
 * message is lost. A read that started before a change must not store what it
 * read after the change was announced: `begin()` hands out the generation and
 * every change moves it on, voiding such a fill.
 *
 * @example
 * const generation = cache.begin();
 * const accountId = cache.get(handle) ?? (await store.accountOf(handle));
 * if (accountId !== undefined) cache.remember(handle, accountId, generation);
 */
export class HandleCache {
  private readonly entries = new Map<string, Entry>();
  /** The handle cached for each account, so a change by account finds it. */
  private readonly handleOfAccount = new Map<string, string>();
  private generation = 0;
  private disabled = false;

  constructor(
    private readonly options: HandleCacheOptions,
    private readonly now: () => number,
  ) {}

  get enabled(): boolean {
    return !this.disabled && this.options.ttlMs > 0 && this.options.maxEntries > 0;
  }

  /** For good: when changes made elsewhere cannot reach this cache, it must not answer at all. */
  disable(): void {
    this.disabled = true;
    this.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  get(handle: string): string | undefined {
    const entry = this.entries.get(handle);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.accountId;
    this.drop(handle, entry.accountId);
    return undefined;
  }

  /** Call before reading the database; pass the result to `remember`. */
  begin(): number {
    return this.generation;
  }

  remember(handle: string, accountId: string, generation: number): void {
    if (!this.enabled || generation !== this.generation) return;
    const previous = this.handleOfAccount.get(accountId);
    if (previous !== undefined && previous !== handle) this.entries.delete(previous);
    const replaced = this.entries.get(handle);
    if (replaced !== undefined && replaced.accountId !== accountId) this.drop(handle, replaced.accountId);
    if (!this.entries.has(handle) && this.entries.size >= this.options.maxEntries) {
      // Evict the oldest entry (Map keeps insertion order): a bounded hot set is all this needs.
      const oldest = this.entries.entries().next();
      if (oldest.done !== true) this.drop(oldest.value[0], oldest.value[1].accountId);
    }
    this.entries.set(handle, { accountId, expiresAt: this.now() + this.options.ttlMs });
    this.handleOfAccount.set(accountId, handle);
  }

  /** The account's handle changed, was released, or the account is gone. */
  forgetAccount(accountId: string): void {
    this.generation++;
    const handle = this.handleOfAccount.get(accountId);
    if (handle !== undefined) this.drop(handle, accountId);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.handleOfAccount.clear();
  }

  private drop(handle: string, accountId: string): void {
    this.entries.delete(handle);
    if (this.handleOfAccount.get(accountId) === handle) this.handleOfAccount.delete(accountId);
  }
}
