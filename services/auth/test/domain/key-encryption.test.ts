import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEK_FILE_NAME, KeyEncryptionKey, resolveKeyEncryptionKey } from '../../src/domain/key-encryption.js';

describe('key encryption at rest', () => {
  it('opens what it sealed, only with the same key and key id', () => {
    const kek = KeyEncryptionKey.generate();
    const secret = Buffer.from('private key bytes');
    const sealed = kek.seal(secret, 'kid-1');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain(secret.toString('base64url'));
    expect(kek.open(sealed, 'kid-1')).toEqual(secret);
    expect(() => kek.open(sealed, 'kid-2')).toThrow();
    expect(() => KeyEncryptionKey.generate().open(sealed, 'kid-1')).toThrow();
    // The second-to-last base64url character always carries six whole bits: changing it changes the bytes.
    const tampered = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(tampered).not.toBe(sealed);
    expect(() => kek.open(tampered, 'kid-1')).toThrow();
    expect(() => kek.open('v2.abc', 'kid-1')).toThrow(/format/);
  });

  it('takes a configured key only when it is 32 bytes', () => {
    const kek = KeyEncryptionKey.generate();
    expect(KeyEncryptionKey.fromBase64(kek.toBase64()).toBase64()).toBe(kek.toBase64());
    expect(() => KeyEncryptionKey.fromBase64(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });

  describe('resolving the key', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'kek-'));
    });
    afterEach(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('prefers the configured key and writes no file', () => {
      const configured = KeyEncryptionKey.generate().toBase64();
      expect(resolveKeyEncryptionKey({ configured, engine: 'sqlite', dataDir }).toBase64()).toBe(configured);
      expect(() => statSync(join(dataDir, KEK_FILE_NAME))).toThrow();
    });

    it('generates one key on the embedded default, keeps it 0600 and reuses it', () => {
      const nested = join(dataDir, 'nested');
      const first = resolveKeyEncryptionKey({ engine: 'sqlite', dataDir: nested });
      const file = join(nested, KEK_FILE_NAME);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.toBase64());
      expect(resolveKeyEncryptionKey({ engine: 'sqlite', dataDir: nested }).toBase64()).toBe(first.toBase64());
    });

    it('rejects a damaged key file instead of replacing it', () => {
      writeFileSync(join(dataDir, KEK_FILE_NAME), 'short\n');
      expect(() => resolveKeyEncryptionKey({ engine: 'sqlite', dataDir })).toThrow(/32 bytes/);
    });

    it('requires a configured key on PostgreSQL', () => {
      expect(() => resolveKeyEncryptionKey({ engine: 'postgres', dataDir })).toThrow(/SIGNING_KEY_ENCRYPTION_KEY/);
    });
  });
});
