// The primitives wrapper against published test vectors, plus the checks the
// wrapper adds around them (lengths, low-order points, strict base64url).
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { E2eeError } from '@sanctum/client';
import {
  aeadOpen,
  aeadSeal,
  compareBytes,
  constantTimeEqual,
  ed25519PublicToX25519,
  ed25519SecretToX25519,
  ed25519Sign,
  ed25519Verify,
  fromBase64Url,
  generateEd25519KeyPair,
  generateMlKemKeyPair,
  generateX25519KeyPair,
  hkdfSha256,
  hmacSha256,
  mlKemDecapsulate,
  mlKemEncapsulate,
  toBase64Url,
  utf8,
  x25519,
} from '../../src/crypto/crypto.primitives.js';

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof E2eeError ? error.code : 'not an E2eeError';
  }
  return undefined;
}

describe('HKDF-SHA-256 (RFC 5869 appendix A)', () => {
  it('matches test case 1 (salt and info)', () => {
    const okm = hkdfSha256(hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('matches test case 3 (empty salt and info)', () => {
    const okm = hkdfSha256(hex('0b'.repeat(22)), new Uint8Array(0), '', 42);
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });
});

describe('HMAC-SHA-256 (RFC 4231 test case 2)', () => {
  it('matches', () => {
    expect(toHex(hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('X25519 (RFC 7748 §6.1)', () => {
  it('computes the shared secret of the RFC example from both ends', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const alicePublic = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(x25519(alice, bobPublic))).toBe(shared);
    expect(toHex(x25519(bob, alicePublic))).toBe(shared);
  });

  it('refuses low-order points and wrong lengths', () => {
    const secret = generateX25519KeyPair().secretKey;
    expect(code(() => x25519(secret, new Uint8Array(32)))).toBe('E2EE_INVALID_KEY');
    expect(code(() => x25519(secret, Uint8Array.of(1, ...new Uint8Array(31))))).toBe('E2EE_INVALID_KEY');
    expect(code(() => x25519(secret, new Uint8Array(31)))).toBe('E2EE_INVALID_KEY');
  });
});

describe('Ed25519 (RFC 8032 §7.1 test 1)', () => {
  const secret = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const publicKey = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature = hex(
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );

  it('signs and verifies the empty message as the RFC says', () => {
    expect(toHex(ed25519Sign(secret, new Uint8Array(0)))).toBe(toHex(signature));
    expect(ed25519Verify(publicKey, new Uint8Array(0), signature)).toBe(true);
  });

  it('rejects other messages, altered signatures, bad lengths and non-points', () => {
    expect(ed25519Verify(publicKey, Uint8Array.of(0), signature)).toBe(false);
    const altered = Uint8Array.from(signature);
    altered[63]! ^= 0x10;
    expect(ed25519Verify(publicKey, new Uint8Array(0), altered)).toBe(false);
    expect(ed25519Verify(publicKey.slice(1), new Uint8Array(0), signature)).toBe(false);
    expect(ed25519Verify(publicKey, new Uint8Array(0), signature.slice(1))).toBe(false);
    const notAPoint = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0));
    expect(ed25519Verify(notAPoint, new Uint8Array(0), signature)).toBe(false);
  });
});

describe('Ed25519 → X25519 (birational map)', () => {
  it('matches libsodium’s crypto_sign_ed25519_{pk,sk}_to_curve25519 test vector', () => {
    const seed = hex('421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee');
    const publicKey = ed25519.getPublicKey(seed);
    expect(toHex(ed25519PublicToX25519(publicKey))).toBe('f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50');
    expect(toHex(ed25519SecretToX25519(seed))).toBe('8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166');
  });

  it('gives key pairs whose DH agrees both ways', () => {
    const a = generateEd25519KeyPair();
    const b = generateEd25519KeyPair();
    const ab = x25519(ed25519SecretToX25519(a.secretKey), ed25519PublicToX25519(b.publicKey));
    const ba = x25519(ed25519SecretToX25519(b.secretKey), ed25519PublicToX25519(a.publicKey));
    expect(toHex(ab)).toBe(toHex(ba));
  });

  it('refuses bytes that are not an Edwards point', () => {
    expect(code(() => ed25519PublicToX25519(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0))))).toBe('E2EE_INVALID_KEY');
    expect(code(() => ed25519PublicToX25519(new Uint8Array(33)))).toBe('E2EE_INVALID_KEY');
  });
});

describe('XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §A.3.1)', () => {
  const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
  const aad = hex('50515253c0c1c2c3c4c5c6c7');
  const plaintext = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const sealed =
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452' +
    '2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e' +
    'c0875924c1c7987947deafd8780acf49';

  it('seals and opens the draft’s example', () => {
    expect(toHex(aeadSeal(key, nonce, plaintext, aad))).toBe(sealed);
    expect(aeadOpen(key, nonce, hex(sealed), aad)).toEqual(plaintext);
  });

  it('refuses altered associated data, ciphertext or a truncated tag', () => {
    expect(code(() => aeadOpen(key, nonce, hex(sealed), aad.slice(1)))).toBe('E2EE_DECRYPT_FAILED');
    const altered = hex(sealed);
    altered[0]! ^= 1;
    expect(code(() => aeadOpen(key, nonce, altered, aad))).toBe('E2EE_DECRYPT_FAILED');
    expect(code(() => aeadOpen(key, nonce, new Uint8Array(15), aad))).toBe('E2EE_DECRYPT_FAILED');
  });
});

describe('ML-KEM-768', () => {
  it('encapsulates and decapsulates to the same secret', () => {
    const { publicKey, secretKey } = generateMlKemKeyPair();
    expect(publicKey.length).toBe(1184);
    const { ciphertext, sharedSecret } = mlKemEncapsulate(publicKey);
    expect(ciphertext.length).toBe(1088);
    expect(mlKemDecapsulate(ciphertext, secretKey)).toEqual(sharedSecret);
  });

  it('refuses a key that fails the FIPS 203 modulus check, and wrong lengths', () => {
    expect(code(() => mlKemEncapsulate(new Uint8Array(1184).fill(0xff)))).toBe('E2EE_INVALID_KEY');
    expect(code(() => mlKemEncapsulate(new Uint8Array(1568)))).toBe('E2EE_INVALID_KEY');
    expect(code(() => mlKemDecapsulate(new Uint8Array(1000), generateMlKemKeyPair().secretKey))).toBe('E2EE_INVALID_KEY');
  });
});

describe('bytes helpers', () => {
  it('round-trips base64url for every length and matches RFC 4648 §10 (URL alphabet)', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
    expect(toBase64Url(utf8('foobar'))).toBe('Zm9vYmFy');
    expect(toBase64Url(utf8('fooba'))).toBe('Zm9vYmE');
    expect(toBase64Url(utf8('foob'))).toBe('Zm9vYg');
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
  });

  it('refuses padding, foreign characters, impossible lengths and non-zero trailing bits', () => {
    for (const bad of ['Zm9vYg==', 'Zm9v+g', 'Zm9v/g', 'Z', 'Zm9vY', 'Zm9vYh', ' Zm9v']) {
      expect(code(() => fromBase64Url(bad)), bad).toBe('E2EE_INVALID_KEY');
    }
  });

  it('compares in constant time and orders bytes lexicographically', () => {
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1))).toBe(false);
    expect(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 3))).toBeGreaterThan(0);
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0);
  });
});
