import { randomBytes } from 'node:crypto';

/** Distinct random ciphertexts per scenario; requests rotate through them. */
const POOL_SIZE = 16;

/** A request body as the pieces to write, in order, and their total length (the content-length). */
export interface BodyChunks {
  readonly chunks: readonly Buffer[];
  readonly length: number;
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
  private readonly ciphertexts: Buffer[];
  private readonly closing = Buffer.from('"}');
  private readonly comma = Buffer.from(',');
  private readonly end = Buffer.from(']}');

  constructor(readonly ciphertextBytes: number) {
    if (!Number.isInteger(ciphertextBytes) || ciphertextBytes < 1) throw new Error('a ciphertext is at least one byte');
    this.ciphertexts = Array.from({ length: POOL_SIZE }, () => Buffer.from(randomBytes(ciphertextBytes).toString('base64url')));
  }

  /** Parts for a route's devices, computed once per route: `{"deviceId":"…","ciphertext":"`. */
  devicePrefixes(deviceIds: readonly string[]): Buffer[] {
    return deviceIds.map((deviceId) => Buffer.from(`{"deviceId":${JSON.stringify(deviceId)},"ciphertext":"`));
  }

  /**
   * The body as pieces: the small ones new, the ciphertexts shared.
   * Joining them cost an 87 KB allocation per 64 KiB send outside the
   * JavaScript heap, and V8 answers that much external memory (87 MB/s at
   * 1,000 sends/s) with a full collection every few hundred milliseconds,
   * each a pause in the generator's schedule. Written in pieces (with a
   * content-length), nothing of that size is allocated.
   */
  chunks(clientMessageId: string, devicePrefixes: readonly Buffer[], index: number): BodyChunks {
    const chunks: Buffer[] = [Buffer.from(`{"clientMessageId":${JSON.stringify(clientMessageId)},"envelopes":[`)];
    devicePrefixes.forEach((prefix, i) => {
      if (i > 0) chunks.push(this.comma);
      chunks.push(prefix, this.ciphertexts[(index + i) % POOL_SIZE] ?? this.closing, this.closing);
    });
    chunks.push(this.end);
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    return { chunks, length };
  }
}
