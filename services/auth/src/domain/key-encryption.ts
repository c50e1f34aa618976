import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '@sanctum/kernel';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** Where the embedded default keeps its generated key-encryption key. */
export const KEK_FILE_NAME = 'auth-signing-kek';

/**
 * Seals the access-token signing keys at rest with AES-256-GCM. The key id is
 * bound in as associated data, so a sealed key copied onto another row does
 * not open.
 *
 * @example
 * const kek = KeyEncryptionKey.fromBase64(config.SIGNING_KEY_ENCRYPTION_KEY);
 * const sealed = kek.seal(pkcs8, kid);
 * const pkcs8Again = kek.open(sealed, kid);
 */
export class KeyEncryptionKey {
  private constructor(private readonly key: Buffer) {}

  static fromBase64(text: string): KeyEncryptionKey {
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`The signing-key encryption key must be ${KEY_BYTES} bytes (base64), got ${key.length}`);
    return new KeyEncryptionKey(key);
  }

  static generate(): KeyEncryptionKey {
    return new KeyEncryptionKey(randomBytes(KEY_BYTES));
  }

  /** A separate key for another purpose (HKDF-SHA256), so the key-encryption key itself is used for one thing only. */
  derive(purpose: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32));
  }

  toBase64(): string {
    return this.key.toString('base64');
  }

  seal(plaintext: Uint8Array, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `${FORMAT}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** Throws when the sealed text was made with another key, for another key id, or altered. */
  open(sealed: string, associatedData: string): Buffer {
    const [format, body] = sealed.split('.');
    if (format !== FORMAT || body === undefined) throw new Error('Unknown sealed-key format');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}

export interface KekSource {
  /** SIGNING_KEY_ENCRYPTION_KEY, when configured. */
  configured?: string | undefined;
  engine: Engine;
  dataDir: string;
}

/**
 * The configured key when there is one. Otherwise, on the embedded default
 * (SQLite), a key generated on first start and kept in `<DATA_DIR>/auth-signing-kek`
 * (mode 0600) beside the database: it protects a copied database file or
 * backup that lacks the data folder, not a stolen data folder. With
 * PostgreSQL every instance must share the key, so it has to be configured.
 */
export function resolveKeyEncryptionKey(source: KekSource): KeyEncryptionKey {
  if (source.configured !== undefined) return KeyEncryptionKey.fromBase64(source.configured);
  if (source.engine === 'postgres') {
    throw new Error('SIGNING_KEY_ENCRYPTION_KEY must be set when Auth runs on PostgreSQL (base64 of 32 random bytes, shared by every instance)');
  }
  const file = join(source.dataDir, KEK_FILE_NAME);
  if (existsSync(file)) return KeyEncryptionKey.fromBase64(readFileSync(file, 'utf8'));
  mkdirSync(source.dataDir, { recursive: true });
  const kek = KeyEncryptionKey.generate();
  try {
    writeFileSync(file, `${kek.toBase64()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it between our check and our write: use theirs.
    if ((error as { code?: unknown }).code === 'EEXIST') return KeyEncryptionKey.fromBase64(readFileSync(file, 'utf8'));
    throw error;
  }
  return kek;
}
