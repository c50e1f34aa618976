import { randomBytes } from 'node:crypto';

/** Distinct random ciphertexts per scenario; requests rotate through them. */
const POOL_SIZE = 16;

/** A request body as the pieces to write, in order, and their total length (the content-length). */
export interface BodyChunks {
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

/** A route's devices as the pieces around their ciphertexts, computed once per route (`devicePrefixes`). */
export interface RoutePrefixes {
  /** `{"deviceId":"…","ciphertext":"` of the first device, joined with each request's head. */
  readonly first: string;
  /** `,{"deviceId":"…","ciphertext":"` of each further device. */
  readonly rest: readonly Buffer[];
}

/**
 * The JSON body of one Messaging send, built from pre-encoded parts: one
 * ciphertext of the scenario's size per recipient device, random bytes in
 * base64url (no padding), as `POST /v1/conversations/:id/messages` takes them.
 * Encoding 64 KiB of fresh randomness per device per request would cost the
 * generator more CPU than the send costs the client it stands for, and the
 * server cannot tell (it stores opaque bytes), so a pool of random
 * ciphertexts is rotated instead; only the clientMessageId is new each time.
 */
export class SendBodyBuilder {
  /** Each pooled ciphertext closed for a device that others follow (`…"},`) and for the last one (`…"}]}`). */
  private readonly followed: Buffer[];
  private readonly last: Buffer[];

  constructor(readonly ciphertextBytes: number) {
    if (!Number.isInteger(ciphertextBytes) || ciphertextBytes < 1) throw new Error('a ciphertext is at least one byte');
    const ciphertexts = Array.from({ length: POOL_SIZE }, () => randomBytes(ciphertextBytes).toString('base64url'));
    this.followed = ciphertexts.map((text) => Buffer.from(`${text}"}`));
    this.last = ciphertexts.map((text) => Buffer.from(`${text}"}]}`));
  }

  devicePrefixes(deviceIds: readonly string[]): RoutePrefixes {
    const prefix = (deviceId: string): string => `{"deviceId":${JSON.stringify(deviceId)},"ciphertext":"`;
    const [first, ...rest] = deviceIds;
    if (first === undefined) throw new Error('a send is addressed to at least one device');
    return { first: prefix(first), rest: rest.map((deviceId) => Buffer.from(`,${prefix(deviceId)}`)) };
  }

  /**
   * The body as pieces: the head new, the ciphertexts shared. Joining them
   * cost an 87 KB allocation per 64 KiB send outside the JavaScript heap,
   * and V8 answers that much external memory (87 MB/s at 1,000 sends/s)
   * with a full collection every few hundred milliseconds, each a pause in
   * the generator's schedule. Written in pieces (with a content-length),
   * nothing of that size is allocated; and as few pieces as that allows
   * (two for one device), since undici writes each with a system call of
   * its own.
   */
  chunks(clientMessageId: string, prefixes: RoutePrefixes, index: number): BodyChunks {
    const head = Buffer.from(`{"clientMessageId":${JSON.stringify(clientMessageId)},"envelopes":[${prefixes.first}`);
    const chunks: Buffer[] = [head];
    prefixes.rest.forEach((separator, i) => {
      chunks.push(pooled(this.followed, index + i), separator);
    });
    chunks.push(pooled(this.last, index + prefixes.rest.length));
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    return { chunks, length };
  }
}

/** The `n`th ciphertext of a pool, round and round. */
function pooled(pool: readonly Buffer[], n: number): Buffer {
  const ciphertext = pool[n % POOL_SIZE];
  if (ciphertext === undefined) throw new Error(`the ciphertext pool holds ${POOL_SIZE}`);
  return ciphertext;
}
