import { SanctumApiError } from '../http/api-error.js';
import { HttpClient } from '../http/http-client.js';
import type { RequestOptions } from '../http/http-client.js';
import { toBase64Url } from '../encoding/base64url.js';
import type {
  Conversation,
  ConversationPage,
  DeviceMismatch,
  OutgoingEnvelope,
  QueuePage,
  Role,
  SendResult,
} from './messaging.types.js';

/** Returns a currently valid access token (refresh it inside when needed). */
export type TokenSource = () => string | Promise<string>;

export interface MessagingClientOptions {
  /** Base URL of the Messaging service, e.g. `http://127.0.0.1:4003`. */
  readonly baseUrl: string;
  readonly token: TokenSource;
  readonly fetch?: typeof fetch;
}

export interface SendOptions {
  /** The idempotency key; defaults to a random UUID. Reuse it when retrying the same message yourself. */
  readonly clientMessageId?: string;
  /**
   * Called on 409 `MSG_DEVICE_MISMATCH` with the missing / extra / stale devices;
   * return the corrected envelopes (encrypt for the missing ones, drop the rest)
   * and the send is retried with the same clientMessageId. Without it the 409 is thrown.
   */
  readonly onDeviceMismatch?: (mismatch: DeviceMismatch, envelopes: readonly OutgoingEnvelope[]) => Promise<readonly OutgoingEnvelope[]> | readonly OutgoingEnvelope[];
  /** Attempts for transient failures (network, 429, 503); default 5. */
  readonly maxAttempts?: number;
  /**
   * The addressed account is known to exist (the Directory has just resolved
   * it): a 404 `MSG_ACCOUNT_NOT_FOUND` then means Messaging has not yet
   * learnt it from Auth's event feed, and is retried like a transient failure.
   */
  readonly accountKnownToExist?: boolean;
  /** First backoff delay; doubles each attempt (with jitter); default 200 ms. */
  readonly retryDelayMs?: number;
  readonly signal?: AbortSignal;
}

const MAX_MISMATCH_ROUNDS = 3;

/**
 * The Messaging HTTP API: conversations, sends (idempotent, retried), and the
 * polling queue. Real-time delivery is `MessageStream`.
 *
 * @example
 * const messaging = new MessagingClient({ baseUrl: 'http://127.0.0.1:4003', token: () => session.accessToken() });
 * const group = await messaging.createGroup([bobAccountId]);
 * await messaging.send(group.conversationId, envelopes, {
 *   onDeviceMismatch: async (mismatch, current) => reencryptFor(mismatch, current),
 * });
 */
export class MessagingClient {
  private readonly http: HttpClient;

  constructor(private readonly options: MessagingClientOptions) {
    this.http = new HttpClient(options.baseUrl, options.fetch);
  }

  /** A new group; the caller is its admin. */
  async createGroup(members: readonly string[], metadata?: string | null): Promise<Conversation> {
    return this.call<Conversation>('/v1/conversations', { method: 'POST', body: { members, ...(metadata === undefined ? {} : { metadata }) } });
  }

  /** The direct conversation with an account, created on first use. */
  async openDirect(accountId: string): Promise<Conversation> {
    return this.call<Conversation>(`/v1/direct/${encodeURIComponent(accountId)}`, { method: 'PUT' });
  }

  async listConversations(page: { after?: string; limit?: number } = {}): Promise<ConversationPage> {
    const query = new URLSearchParams();
    if (page.after !== undefined) query.set('after', page.after);
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return this.call<ConversationPage>(`/v1/conversations${suffix}`);
  }

  /**
   * Every conversation of mine, fetching pages as needed.
   *
   * @example
   * for await (const conversation of messaging.conversations()) console.log(conversation.conversationId);
   */
  async *conversations(pageSize = 100): AsyncGenerator<Conversation> {
    let after: string | undefined;
    for (;;) {
      const page = await this.listConversations({ ...(after === undefined ? {} : { after }), limit: pageSize });
      yield* page.conversations;
      if (page.next === null) return;
      after = page.next;
    }
  }

  async getConversation(conversationId: string): Promise<Conversation> {
    return this.call<Conversation>(`/v1/conversations/${encodeURIComponent(conversationId)}`);
  }

  /** Replaces the metadata if `version` is still current; a 412 `MSG_VERSION_MISMATCH` means read again. */
  async updateMetadata(conversationId: string, metadata: string | null, version: number): Promise<Conversation> {
    return this.call<Conversation>(`/v1/conversations/${encodeURIComponent(conversationId)}`, {
      method: 'PATCH',
      body: { metadata },
      headers: { 'if-match': `"${version}"` },
    });
  }

  async addMembers(conversationId: string, accountIds: readonly string[], role: Role = 'member'): Promise<Conversation> {
    return this.call<Conversation>(`/v1/conversations/${encodeURIComponent(conversationId)}/members`, { method: 'POST', body: { accountIds, role } });
  }

  async setRole(conversationId: string, accountId: string, role: Role): Promise<Conversation> {
    return this.call<Conversation>(this.memberPath(conversationId, accountId), { method: 'PATCH', body: { role } });
  }

  /** Removes a member (admins), or leaves when `accountId` is your own. */
  async removeMember(conversationId: string, accountId: string): Promise<void> {
    await this.call<undefined>(this.memberPath(conversationId, accountId), { method: 'DELETE' });
  }

  /**
   * Sends one message: one ciphertext per recipient device (your own other
   * devices included, never the sending one). Retries transient failures and,
   * with `onDeviceMismatch`, device-list changes — always with the same
   * clientMessageId, so a retry never stores the message twice.
   */
  async send(conversationId: string, envelopes: readonly OutgoingEnvelope[], options: SendOptions = {}): Promise<SendResult> {
    return this.sendTo(`/v1/conversations/${encodeURIComponent(conversationId)}/messages`, envelopes, options);
  }

  /** As `send`, to an account's direct conversation (found or created). */
  async sendDirect(accountId: string, envelopes: readonly OutgoingEnvelope[], options: SendOptions = {}): Promise<SendResult> {
    return this.sendTo(`/v1/direct/${encodeURIComponent(accountId)}/messages`, envelopes, options);
  }

  /** Polling: my device's envelopes after `after` (an envelope id). */
  async fetchQueue(after = 0, limit = 100): Promise<QueuePage> {
    return this.call<QueuePage>(`/v1/queue?after=${after}&limit=${limit}`);
  }

  /** Acknowledges (deletes) envelopes of my device; resolves with how many were deleted. */
  async ack(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.call<{ acked: number }>('/v1/queue/ack', { method: 'POST', body: { ids } })).acked;
  }

  private memberPath(conversationId: string, accountId: string): string {
    return `/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(accountId)}`;
  }

  private async sendTo(path: string, initial: readonly OutgoingEnvelope[], options: SendOptions): Promise<SendResult> {
    const clientMessageId = options.clientMessageId ?? globalThis.crypto.randomUUID();
    const maxAttempts = options.maxAttempts ?? 5;
    let envelopes = initial;
    let mismatchRounds = 0;
    for (let attempt = 1; ; attempt++) {
      const body = {
        clientMessageId,
        envelopes: envelopes.map((e) => ({ deviceId: e.deviceId, ciphertext: typeof e.ciphertext === 'string' ? e.ciphertext : toBase64Url(e.ciphertext) })),
      };
      try {
        return await this.call<SendResult>(path, { method: 'POST', body, ...(options.signal === undefined ? {} : { signal: options.signal }) });
      } catch (error) {
        if (error instanceof SanctumApiError && error.code === 'MSG_DEVICE_MISMATCH' && options.onDeviceMismatch !== undefined && mismatchRounds < MAX_MISMATCH_ROUNDS) {
          mismatchRounds++;
          envelopes = await options.onDeviceMismatch(error.details as unknown as DeviceMismatch, envelopes);
          attempt--;
          continue;
        }
        const retryable = isTransient(error) || (options.accountKnownToExist === true && error instanceof SanctumApiError && error.code === 'MSG_ACCOUNT_NOT_FOUND');
        if (!retryable || attempt >= maxAttempts || options.signal?.aborted === true) throw error;
        await delay(backoffMs(error, attempt, options.retryDelayMs ?? 200), options.signal);
      }
    }
  }

  private async call<T>(path: string, request: RequestOptions = {}): Promise<T> {
    const token = await this.options.token();
    return (await this.http.request<T>(path, { ...request, token })).body;
  }
}

/** Network failures and the answers that say "try again": 429, 503, 502, 504. */
function isTransient(error: unknown): boolean {
  if (error instanceof SanctumApiError) return error.status === 429 || error.status === 502 || error.status === 503 || error.status === 504;
  return error instanceof TypeError; // fetch's network error
}

function backoffMs(error: unknown, attempt: number, base: number): number {
  if (error instanceof SanctumApiError && error.retryAfterS !== undefined && Number.isFinite(error.retryAfterS)) return error.retryAfterS * 1000;
  const exponential = base * 2 ** (attempt - 1);
  return exponential / 2 + Math.random() * (exponential / 2);
}

async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
