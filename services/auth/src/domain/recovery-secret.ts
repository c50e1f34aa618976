import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(secret: string, salt: Buffer, cost: number, blockSize: number, parallelism: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes; leave headroom over the minimum.
    const options = { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize };
    scrypt(secret.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

/**
 * Recovery secrets are chosen or written down by people, so unlike tokens
 * they get a slow, salted hash: scrypt (node:crypto, on the thread pool) in
 * the self-describing form `scrypt$N$r$p$salt$hash`, so the cost can be
 * raised later without breaking stored hashes.
 *
 * @example
 * const hasher = new RecoverySecretHasher(32_768);
 * const stored = await hasher.hash('correct horse battery staple');
 * await hasher.verify(stored, 'correct horse battery staple'); // true
 */
export class RecoverySecretHasher {
  private standIn: Promise<string> | undefined;

  constructor(private readonly cost: number) {
    if (!Number.isInteger(Math.log2(cost)) || cost < 2) throw new Error(`RECOVERY_SCRYPT_COST must be a power of two, got ${cost}`);
  }

  async hash(secret: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(secret, salt, this.cost, BLOCK_SIZE, PARALLELISM);
    return ['scrypt', this.cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /**
   * Checks `secret` against a stored hash. With no stored hash (unknown
   * account, or none registered) it hashes against a stand-in and answers
   * false, so the time taken reveals nothing.
   */
  async verify(stored: string | null, secret: string): Promise<boolean> {
    const target = stored ?? (await (this.standIn ??= this.hash(randomBytes(16).toString('hex'))));
    const [scheme, n, r, p, salt, expected] = target.split('$');
    if (scheme !== 'scrypt' || salt === undefined || expected === undefined) return false;
    const key = await derive(secret, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
    const wanted = Buffer.from(expected, 'base64url');
    return stored !== null && key.length === wanted.length && timingSafeEqual(key, wanted);
  }
}
