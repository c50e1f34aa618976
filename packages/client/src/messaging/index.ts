// Messaging: conversations, sends and the polling queue over HTTP; real-time delivery over WebSocket.
export { MessagingClient } from './messaging.client.js';
export type { MessagingClientOptions, SendOptions, TokenSource } from './messaging.client.js';
export { MessageStream } from './message-stream.js';
export type { MessageStreamOptions, StreamState, WebSocketConstructor, WebSocketLike } from './message-stream.js';
export { decodeCiphertext } from './ciphertext.js';
export { STREAM_CLOSE_CODES } from './messaging.types.js';
export type {
  Conversation,
  ConversationPage,
  DeviceMismatch,
  Envelope,
  Member,
  OutgoingEnvelope,
  QueuePage,
  Role,
  SendResult,
} from './messaging.types.js';
