// The shapes a SanctumDevice takes and hands out.
import type { WebSocketConstructor } from '../messaging/message-stream.js';
import type { Envelope } from '../messaging/messaging.types.js';

export interface SanctumUrls {
  readonly auth: string;
  readonly directory: string;
  readonly messaging: string;
}

export interface DeviceOptions {
  readonly urls: SanctumUrls;
  /** Needed for `listen` on Node 20 (pass `WebSocket` from `ws`); browsers have one. */
  readonly WebSocket?: WebSocketConstructor;
  /** One-time prekeys kept in the Directory (each new session consumes one). Default 50. */
  readonly oneTimePrekeys?: number;
}

/** A decrypted chat message. */
export interface ChatMessage {
  readonly messageId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly fromAccountId: string;
  readonly fromDeviceId: string;
  /** The sender's handle, only when the Directory confirmed it belongs to the sender. */
  readonly fromHandle: string | undefined;
  /** Sent by this account (from another of its devices). */
  readonly own: boolean;
  readonly toAccountId: string;
  readonly text: string;
  /** When Messaging stored it, ms since the epoch. */
  readonly storedAt: number;
}

export interface ListenHandlers {
  readonly onMessage: (message: ChatMessage) => void | Promise<void>;
  /** An envelope that could not be decrypted or read; it is acknowledged, so it does not block the queue. */
  readonly onUndecryptable?: (envelope: Envelope, error: unknown) => void;
  /** The backlog queued while offline has been handled. */
  readonly onReady?: () => void;
  readonly onError?: (error: unknown) => void;
}

/** What two people compare to rule out a man in the middle (see SanctumDevice.safetyNumberWith). */
export interface SafetyNumberResult {
  readonly handle: string;
  readonly accountId: string;
  /** Twelve groups of five digits, the same on both sides. */
  readonly safetyNumber: string;
  /** How many device keys each side's half covers. */
  readonly theirDevices: number;
  readonly myDevices: number;
}
