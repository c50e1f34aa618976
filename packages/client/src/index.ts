// The Sanctum client SDK (isomorphic: Node >= 20 and browsers).
// Transport and errors; the auth, directory, messaging and crypto parts sit in folders beside this file.
export { HttpClient } from './http/http-client.js';
export type { HttpResponse, RequestOptions } from './http/http-client.js';
export { SanctumApiError } from './http/api-error.js';
export * from './messaging/index.js';
