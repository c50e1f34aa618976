import type { AuthEvent } from '@sanctum/kernel';
import type { StoreMessageArgs } from '../../src/writer/write-operations.js';
import type { Writer } from '../../src/writer/writer.js';

/** An Auth event as the replica receives it. */
export function authEvent(seq: number, type: string, fields: Record<string, string>): AuthEvent {
  return { seq, type, occurredAt: 1_000 + seq, ...fields } as unknown as AuthEvent;
}

/** Through `writer`: accounts alice (device a1) and bob (device b1), and their direct conversation c1. */
export async function seedAliceAndBob(writer: Writer): Promise<void> {
  await writer.run('applyAuthEvents', {
    events: [
      authEvent(1, 'account.created', { accountId: 'alice' }),
      authEvent(2, 'device.added', { accountId: 'alice', deviceId: 'a1' }),
      authEvent(3, 'account.created', { accountId: 'bob' }),
      authEvent(4, 'device.added', { accountId: 'bob', deviceId: 'b1' }),
    ],
    cursor: 4,
  });
  await writer.run('createConversation', {
    conversation: { conversation_id: 'c1', kind: 'direct', direct_key: 'alice bob', metadata: null, version: 1, last_seq: 0, created_at: 1 },
    members: ['alice', 'bob'].map((account_id) => ({ conversation_id: 'c1', account_id, role: 'member' as const, joined_at: 1 })),
  });
}

/** A send from alice's a1 to bob's b1 in c1, with the ciphertext `ciphertext <clientMessageId>`. */
export function aliceToBob(clientMessageId: string, overrides: Partial<StoreMessageArgs> = {}): StoreMessageArgs {
  return {
    conversationId: 'c1',
    senderAccountId: 'alice',
    senderDeviceId: 'a1',
    clientMessageId,
    deviceIds: ['b1'],
    ciphertexts: [Buffer.from(`ciphertext ${clientMessageId}`)],
    sentAt: 1_000,
    queueMaxDepth: 100,
    ...overrides,
  };
}
