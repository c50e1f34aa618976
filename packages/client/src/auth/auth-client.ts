import { SanctumApiError } from '../http/api-error.js';
import { HttpClient } from '../http/http-client.js';
import { authMessages } from './auth-messages.js';
import type { AccountInfo, Challenge, DeviceInfo, LinkInfo, LinkRequest, SessionInfo, TokenSet } from './auth-types.js';
import type { DeviceIdentity } from './device-identity.js';
import { Session } from './session.js';
import type { SessionOptions } from './session.js';

/** The parts of a TokenSet (or Session) a device-signed action needs. */
export interface SignedInDevice {
  readonly accessToken: string;
  readonly accountId: string;
  readonly deviceId: string;
}

/**
 * Talks to the Auth service: accounts, challenge sign-in, token refresh,
 * devices, sessions, device linking and recovery. Every signature is made
 * locally with the device's `DeviceIdentity`; errors are `SanctumApiError`
 * with the stable codes of docs/error-codes.md.
 *
 * @example
 * const auth = new AuthClient('http://127.0.0.1:4001');
 * const identity = DeviceIdentity.generate();
 * const tokens = await auth.createAccount({ identity, deviceName: 'laptop' });
 * const session = auth.session(tokens);          // keeps the access token fresh
 * const devices = await auth.listDevices(await session.accessToken());
 * // next launch: sign in again with the stored identity
 * const again = await auth.signIn({ identity, deviceId: tokens.deviceId });
 */
export class AuthClient {
  readonly http: HttpClient;

  constructor(baseUrlOrClient: string | HttpClient) {
    this.http = typeof baseUrlOrClient === 'string' ? new HttpClient(baseUrlOrClient) : baseUrlOrClient;
  }

  /** Creates an account whose first device is `identity`, and signs it in. */
  async createAccount(options: { identity: DeviceIdentity; deviceName?: string; recoverySecret?: string }): Promise<TokenSet> {
    const identityKey = options.identity.publicKeyBase64url;
    const { nonce } = await this.post<Challenge>('/v1/accounts/challenge', { identityKey });
    return this.post<TokenSet>('/v1/accounts', {
      identityKey,
      nonce,
      signature: options.identity.signBase64url(authMessages.createAccount(nonce, identityKey)),
      ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
      ...(options.recoverySecret === undefined ? {} : { recoverySecret: options.recoverySecret }),
    });
  }

  /** Challenge → signature → tokens, for a device that is already enrolled. */
  async signIn(options: { identity: DeviceIdentity; deviceId: string }): Promise<TokenSet> {
    const { nonce } = await this.post<Challenge>('/v1/sessions/challenge', { deviceId: options.deviceId });
    return this.post<TokenSet>('/v1/sessions', {
      deviceId: options.deviceId,
      nonce,
      signature: options.identity.signBase64url(authMessages.signIn(nonce, options.deviceId)),
    });
  }

  /** Exchanges a refresh token for a new pair. The old token is spent: never use it again (that revokes the session). */
  async refresh(refreshToken: string): Promise<TokenSet> {
    return this.post<TokenSet>('/v1/sessions/refresh', { refreshToken });
  }

  /** A helper that refreshes the access token when needed; see `Session`. */
  session(tokens: TokenSet, options?: SessionOptions): Session {
    return new Session(this, tokens, options);
  }

  async logout(accessToken: string): Promise<void> {
    await this.http.request('/v1/sessions/logout', { method: 'POST', token: accessToken });
  }

  async account(accessToken: string): Promise<AccountInfo> {
    return (await this.http.request<AccountInfo>('/v1/account', { token: accessToken })).body;
  }

  /** Registers or replaces the recovery secret (null removes it). */
  async setRecoverySecret(accessToken: string, recoverySecret: string | null): Promise<void> {
    await this.http.request('/v1/account/recovery', { method: 'PUT', token: accessToken, body: { recoverySecret } });
  }

  /** Deletes the account and everything of it in Auth; the device signs a fresh challenge to confirm. */
  async deleteAccount(options: SignedInDevice & { identity: DeviceIdentity }): Promise<void> {
    const { nonce } = await this.post<Challenge>('/v1/sessions/challenge', { deviceId: options.deviceId });
    const signature = options.identity.signBase64url(authMessages.deleteAccount(nonce, options.accountId, options.deviceId));
    await this.http.request('/v1/account', { method: 'DELETE', token: options.accessToken, body: { nonce, signature } });
  }

  async listDevices(accessToken: string): Promise<DeviceInfo[]> {
    return (await this.http.request<{ devices: DeviceInfo[] }>('/v1/devices', { token: accessToken })).body.devices;
  }

  async renameDevice(accessToken: string, deviceId: string, name: string): Promise<DeviceInfo> {
    return (await this.http.request<DeviceInfo>(`/v1/devices/${encodeURIComponent(deviceId)}`, { method: 'PATCH', token: accessToken, body: { name } })).body;
  }

  /** Removes a device and ends its sessions; the last device cannot be removed (AUTH_LAST_DEVICE). */
  async removeDevice(accessToken: string, deviceId: string): Promise<void> {
    await this.http.request(`/v1/devices/${encodeURIComponent(deviceId)}`, { method: 'DELETE', token: accessToken });
  }

  async listSessions(accessToken: string): Promise<SessionInfo[]> {
    return (await this.http.request<{ sessions: SessionInfo[] }>('/v1/sessions', { token: accessToken })).body.sessions;
  }

  async revokeSession(accessToken: string, sessionId: string): Promise<void> {
    await this.http.request(`/v1/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', token: accessToken });
  }

  /** New device, step 1: ask to be linked. Show `code` to a signed-in device of the account. */
  async requestLink(options: { identity: DeviceIdentity; deviceName?: string }): Promise<LinkRequest> {
    return this.post<LinkRequest>('/v1/links', {
      identityKey: options.identity.publicKeyBase64url,
      ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
    });
  }

  /** Signed-in device: what would this code link? Show it to the user before approving. */
  async inspectLink(accessToken: string, code: string): Promise<LinkInfo> {
    return (await this.http.request<LinkInfo>('/v1/links/inspect', { method: 'POST', token: accessToken, body: { code } })).body;
  }

  /** Signed-in device: approve the link, signing the approval with this device's identity. */
  async approveLink(options: SignedInDevice & { identity: DeviceIdentity; code: string }): Promise<LinkInfo> {
    const link = await this.inspectLink(options.accessToken, options.code);
    const signature = options.identity.signBase64url(authMessages.linkApprove(link.linkId, options.accountId, options.deviceId, link.identityKey));
    return (
      await this.http.request<LinkInfo>('/v1/links/approve', { method: 'POST', token: options.accessToken, body: { code: options.code, signature } })
    ).body;
  }

  /** New device, last step: throws SanctumApiError `AUTH_LINK_PENDING` until approved; see `waitForLink`. */
  async completeLink(options: { identity: DeviceIdentity; link: LinkRequest }): Promise<TokenSet> {
    const { link, identity } = options;
    const signature = identity.signBase64url(authMessages.linkComplete(link.linkId, link.nonce, identity.publicKeyBase64url));
    return this.post<TokenSet>('/v1/links/complete', { code: link.code, signature });
  }

  /** New device: polls `completeLink` until the link is approved (resolves with tokens) or fails/expires (rejects). */
  async waitForLink(options: { identity: DeviceIdentity; link: LinkRequest; pollMs?: number; signal?: AbortSignal }): Promise<TokenSet> {
    for (;;) {
      try {
        return await this.completeLink(options);
      } catch (error) {
        if (!(error instanceof SanctumApiError) || error.code !== 'AUTH_LINK_PENDING') throw error;
      }
      options.signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    }
  }

  /**
   * Recovers the account on a new device with its recovery secret: every other
   * device and session is removed. The secret is spent; pass `newRecoverySecret`
   * to register the next one.
   */
  async recover(options: { accountId: string; recoverySecret: string; identity: DeviceIdentity; deviceName?: string; newRecoverySecret?: string }): Promise<TokenSet> {
    const identityKey = options.identity.publicKeyBase64url;
    const { nonce } = await this.post<Challenge>('/v1/accounts/challenge', { identityKey });
    return this.post<TokenSet>('/v1/recovery', {
      accountId: options.accountId,
      recoverySecret: options.recoverySecret,
      identityKey,
      nonce,
      signature: options.identity.signBase64url(authMessages.recover(nonce, options.accountId, identityKey)),
      ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
      ...(options.newRecoverySecret === undefined ? {} : { newRecoverySecret: options.newRecoverySecret }),
    });
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    return (await this.http.request<T>(path, { method: 'POST', body })).body;
  }
}
