// Makes a device's prekeys: keeps every private half in the PrekeyStore and
// returns only public halves (signed where the protocol wants it) for upload.
import type { KeyUploadPayload, OneTimePrekeyJson, SignedPrekeyJson } from './bundle.types.js';
import { KEY_ID_MAX } from './bundle.verifier.js';
import type { KeyPair } from './crypto.primitives.js';
import { ed25519Sign, generateMlKemKeyPair, generateX25519KeyPair, toBase64Url } from './crypto.primitives.js';
import type { PrekeyKind, PrekeyRecord, PrekeyStore } from './store.types.js';

export interface PrekeyGenerationOptions {
  /** Make a new signed prekey (the old ones stay usable until pruned). Default true. */
  signedPrekey?: boolean;
  /** Make a new last-resort X25519 prekey. Default true. */
  lastResortPrekey?: boolean;
  /** Make a new last-resort ML-KEM-768 prekey. Default true. */
  pqLastResortPrekey?: boolean;
  /** How many one-time X25519 prekeys. Default 100. */
  oneTimePrekeys?: number;
  /** How many one-time ML-KEM-768 prekeys. Default 100. */
  pqOneTimePrekeys?: number;
}

/** Counts as the Directory reports them (`GET /v1/keys/counts`). */
export interface PrekeyCounts {
  oneTimePreKeys: number;
  pqOneTimePreKeys: number;
}

/**
 * @example
 * const generator = new PrekeyGenerator(identityKeyPair, prekeyStore);
 * await directory.request('/v1/keys', { method: 'PUT', body: await generator.generate(), token });
 */
export class PrekeyGenerator {
  constructor(
    private readonly identity: KeyPair,
    private readonly store: PrekeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Generates the requested keys, stores their private halves and returns the upload body. */
  async generate(options: PrekeyGenerationOptions = {}): Promise<KeyUploadPayload> {
    const payload: KeyUploadPayload = { identityKey: toBase64Url(this.identity.publicKey) };
    if (options.signedPrekey !== false) payload.signedPreKey = await this.signed('signed', generateX25519KeyPair());
    if (options.lastResortPrekey !== false) payload.lastResortPreKey = await this.signed('last-resort', generateX25519KeyPair());
    if (options.pqLastResortPrekey !== false) payload.pqLastResortPreKey = await this.signed('kem-last-resort', generateMlKemKeyPair());
    const oneTime = options.oneTimePrekeys ?? 100;
    if (oneTime > 0) payload.oneTimePreKeys = await this.oneTime(oneTime);
    const pqOneTime = options.pqOneTimePrekeys ?? 100;
    if (pqOneTime > 0) {
      const first = await this.store.allocateKeyIds(pqOneTime);
      payload.pqOneTimePreKeys = [];
      for (let i = 0; i < pqOneTime; i++) {
        payload.pqOneTimePreKeys.push(await this.signed('kem-one-time', generateMlKemKeyPair(), nthId(first, i)));
      }
    }
    return payload;
  }

  /** Tops the one-time keys up to `target` of each kind; undefined when nothing is missing. */
  async replenish(counts: PrekeyCounts, target = 100): Promise<KeyUploadPayload | undefined> {
    const oneTimePrekeys = Math.max(0, target - counts.oneTimePreKeys);
    const pqOneTimePrekeys = Math.max(0, target - counts.pqOneTimePreKeys);
    if (oneTimePrekeys === 0 && pqOneTimePrekeys === 0) return undefined;
    return this.generate({ signedPrekey: false, lastResortPrekey: false, pqLastResortPrekey: false, oneTimePrekeys, pqOneTimePrekeys });
  }

  /**
   * Deletes all but the `keep` newest signed and last-resort keys of each kind.
   * Keep at least the one uploaded before the current one: messages started on
   * it may still be queued for this device.
   */
  async pruneSignedPrekeys(keep = 2): Promise<number> {
    let removed = 0;
    for (const kind of ['signed', 'last-resort', 'kem-last-resort'] as const) {
      const records = (await this.store.listPrekeys(kind)).sort((a, b) => b.createdAt - a.createdAt);
      for (const record of records.slice(keep)) {
        await this.store.removePrekey(kind, record.keyId);
        removed++;
      }
    }
    return removed;
  }

  private async oneTime(count: number): Promise<OneTimePrekeyJson[]> {
    const first = await this.store.allocateKeyIds(count);
    const out: OneTimePrekeyJson[] = [];
    for (let i = 0; i < count; i++) {
      const keyPair = generateX25519KeyPair();
      const keyId = nthId(first, i);
      await this.keep('one-time', keyId, keyPair);
      out.push({ keyId, publicKey: toBase64Url(keyPair.publicKey) });
    }
    return out;
  }

  private async signed(kind: PrekeyKind, keyPair: KeyPair, keyId?: number): Promise<SignedPrekeyJson> {
    const id = keyId ?? (await this.store.allocateKeyIds(1));
    await this.keep(kind, id, keyPair);
    // The signature covers the raw public key bytes, as the Directory verifies it.
    return { keyId: id, publicKey: toBase64Url(keyPair.publicKey), signature: toBase64Url(ed25519Sign(this.identity.secretKey, keyPair.publicKey)) };
  }

  private async keep(kind: PrekeyKind, keyId: number, keyPair: KeyPair): Promise<void> {
    const record: PrekeyRecord = { kind, keyId, publicKey: keyPair.publicKey, secretKey: keyPair.secretKey, createdAt: this.now() };
    await this.store.putPrekey(record);
  }
}

function nthId(first: number, i: number): number {
  return (first + i) % (KEY_ID_MAX + 1);
}
