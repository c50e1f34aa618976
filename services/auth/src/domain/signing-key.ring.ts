import { createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ACCESS_TOKEN_ALG } from '@sanctum/kernel';
import { calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import { isUniqueViolation } from '../store/db-errors.js';
import type { SigningKeyRecord, SigningKeyStore } from '../store/signing-key.store.js';
import type { Clock } from './clock.js';
import type { KeyEncryptionKey } from './key-encryption.js';
import { MAX_ACCESS_TOKEN_TTL_S } from './token-limits.js';

export interface SigningKeyRingOptions {
  /** Age after which `rotateIfDue` makes a new key. */
  rotationS: number;
  /** How long a new key is published before it signs. */
  publishDelayS: number;
  /** How often each instance re-reads the keys; a retired key stays published this much longer. */
  reloadS: number;
}

/** Allowance for clocks of verifiers that run a little ahead or behind. */
const CLOCK_SKEW_MS = 60_000;
/** Unknown `kid` on a token: re-read the keys at most this often. */
const UNKNOWN_KID_RELOAD_MS = 1000;

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly jwk: JWK;
  readonly publicKey: KeyObject;
}

export interface ActiveSigningKey {
  readonly kid: string;
  /** A WebCrypto key, imported once: jose signs with it without converting a KeyObject on every token. */
  readonly privateKey: webcrypto.CryptoKey;
}

/**
 * The access-token signing keys of this Auth deployment, shared by every
 * instance through the database.
 *
 * - Generation 1 is created on first start; keys survive restarts (sealed
 *   with the key-encryption key).
 * - A rotation adds the next generation, published at once and signing from
 *   `activatesAt` (`publishDelayS` later), so verifiers fetch it before they
 *   see tokens signed with it.
 * - A key that stopped signing stays published until every token it signed
 *   has expired (maximum token lifetime + reload interval + clock skew), then
 *   it is deleted.
 *
 * @example
 * const ring = new SigningKeyRing(stores.signingKeys, kek, systemClock, { rotationS: 2_592_000, publishDelayS: 60, reloadS: 30 });
 * await ring.load();
 * const { kid, privateKey } = ring.active();
 */
export class SigningKeyRing {
  private keys: LoadedKey[] = [];
  private readonly privateKeys = new Map<string, webcrypto.CryptoKey>();
  private lastUnknownKidReload = 0;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly kek: KeyEncryptionKey,
    private readonly clock: Clock,
    private readonly options: SigningKeyRingOptions,
  ) {}

  /** Reads the keys (creating the first one on a fresh database) and opens their private halves. */
  async load(): Promise<void> {
    let records = await this.store.list();
    if (records.length === 0) {
      await this.insertGeneration(1, this.clock.nowMs());
      records = await this.store.list();
    }
    const keys = records.map((record) => {
      const jwk = JSON.parse(record.publicJwk) as JWK;
      return { record, jwk, publicKey: createPublicKey({ key: jwk as never, format: 'jwk' }) };
    });
    for (const { record } of keys) {
      if (this.privateKeys.has(record.kid)) continue;
      // Fails loudly at start when the key-encryption key is not the one the keys were sealed with.
      const pkcs8 = this.kek.open(record.privateKey, record.kid);
      this.privateKeys.set(record.kid, await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']));
    }
    // Swapped in only once every private key is ready, so a concurrent sign never sees a key it cannot use.
    this.keys = keys;
  }

  /** The key that signs now: the newest generation whose activation time has come. */
  active(): ActiveSigningKey {
    const now = this.clock.nowMs();
    const activated = this.keys.filter((k) => k.record.activatesAt <= now);
    const key = activated.at(-1) ?? this.keys[0];
    if (key === undefined) throw new Error('Signing keys are not loaded');
    const privateKey = this.privateKeys.get(key.record.kid);
    if (privateKey === undefined) throw new Error(`Private key ${key.record.kid} is not loaded`);
    return { kid: key.record.kid, privateKey };
  }

  /** Public keys for `/.well-known/jwks.json`: pending, active, and retired ones still needed by unexpired tokens. */
  published(): JWK[] {
    const now = this.clock.nowMs();
    return this.keys.filter((key) => this.isPublished(key, now)).map((key) => key.jwk);
  }

  /** For Auth's own verification of its tokens; re-reads the keys once when `kid` is unknown (another instance rotated). */
  async publicKey(kid: string | undefined): Promise<KeyObject | undefined> {
    const find = (): KeyObject | undefined => this.keys.find((k) => k.record.kid === kid && this.isPublished(k, this.clock.nowMs()))?.publicKey;
    const found = find();
    if (found !== undefined || kid === undefined) return found;
    const now = this.clock.nowMs();
    if (now - this.lastUnknownKidReload < UNKNOWN_KID_RELOAD_MS) return undefined;
    this.lastUnknownKidReload = now;
    await this.load();
    return find();
  }

  /**
   * Adds the next generation. `immediate` makes it sign at once (after a key
   * compromise); otherwise it signs after the publish delay.
   */
  async rotate(options: { immediate?: boolean } = {}): Promise<{ kid: string; activatesAt: number }> {
    await this.load();
    const newest = this.keys.at(-1);
    const generation = (newest?.record.generation ?? 0) + 1;
    const now = this.clock.nowMs();
    const kid = await this.insertGeneration(generation, options.immediate === true ? now : now + this.options.publishDelayS * 1000);
    await this.load();
    const created = this.keys.find((k) => k.record.generation === generation);
    return { kid: created?.record.kid ?? kid, activatesAt: created?.record.activatesAt ?? now };
  }

  /** Rotates when the newest key is older than the rotation age; true when it did. */
  async rotateIfDue(): Promise<boolean> {
    const newest = this.keys.at(-1);
    if (newest !== undefined && newest.record.createdAt + this.options.rotationS * 1000 > this.clock.nowMs()) return false;
    await this.rotate();
    return true;
  }

  /** Deletes keys that no unexpired token can name any more; returns how many. */
  async prune(): Promise<number> {
    const now = this.clock.nowMs();
    const stale = this.keys.filter((key) => !this.isPublished(key, now)).map((key) => key.record.kid);
    const deleted = await this.store.delete(stale);
    if (deleted > 0) {
      for (const kid of stale) this.privateKeys.delete(kid);
      this.keys = this.keys.filter((key) => !stale.includes(key.record.kid));
    }
    return deleted;
  }

  private isPublished(key: LoadedKey, now: number): boolean {
    const successor = this.keys.find((k) => k.record.generation > key.record.generation && k.record.activatesAt <= now);
    if (successor === undefined) return true;
    const retiredAt = Math.max(successor.record.activatesAt, key.record.activatesAt);
    return now < retiredAt + MAX_ACCESS_TOKEN_TTL_S * 1000 + this.options.reloadS * 1000 + CLOCK_SKEW_MS;
  }

  private async insertGeneration(generation: number, activatesAt: number): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const exported = publicKey.export({ format: 'jwk' });
    const base: JWK = { kty: 'OKP', crv: 'Ed25519', x: String(exported.x) };
    const kid = await calculateJwkThumbprint(base);
    const jwk: JWK = { ...base, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      await this.store.insert({
        kid,
        generation,
        createdAt: this.clock.nowMs(),
        activatesAt,
        publicJwk: JSON.stringify(jwk),
        privateKey: this.kek.seal(pkcs8, kid),
      });
    } catch (error) {
      // Another instance created this generation at the same moment; theirs is as good as ours.
      if (!isUniqueViolation(error)) throw error;
    }
    return kid;
  }
}
