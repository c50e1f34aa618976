// What travels inside the end-to-end encryption: a small versioned JSON
// document. Only the devices of the conversation ever see it.

/** The decrypted content of a chat message. */
export interface ChatPayload {
  readonly v: 1;
  readonly type: 'text';
  readonly text: string;
  /** The sender's handle as the sender claims it; receivers check it against the Directory. */
  readonly fromHandle?: string | undefined;
  /** Account the message was sent to (lets the sender's other devices file their own sent messages). */
  readonly to: string;
  /** Sender's clock, ms since the epoch. */
  readonly sentAt: number;
}

/** Longest text a chat message carries (characters); the ciphertext limit of Messaging is far above it. */
export const MAX_TEXT_LENGTH = 16_000;

export function encodeChatPayload(payload: ChatPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(payload));
}

/** Parses decrypted bytes; undefined when they are not a chat payload this version understands. */
export function decodeChatPayload(bytes: Uint8Array): ChatPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const p = value as Record<string, unknown>;
  if (p.v !== 1 || p.type !== 'text' || typeof p.text !== 'string' || typeof p.to !== 'string' || typeof p.sentAt !== 'number') return undefined;
  if (p.fromHandle !== undefined && typeof p.fromHandle !== 'string') return undefined;
  return { v: 1, type: 'text', text: p.text, to: p.to, sentAt: p.sentAt, fromHandle: p.fromHandle };
}
