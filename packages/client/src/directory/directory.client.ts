import { SanctumApiError } from '../http/api-error.js';
import type { HttpClient, RequestOptions } from '../http/http-client.js';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { verifyDeviceBundle } from './bundle.verifier.js';
import type {
  AccountBundles,
  DeviceBundle,
  DeviceInfo,
  HandleInfo,
  KeyCounts,
  KeyUpload,
  Profile,
  ProfileUpdate,
} from './directory.types.js';
import { bundlesFromWire, profileFromWire, uploadToWire } from './directory.wire.js';
import type { WireBundles, WireProfile } from './directory.wire.js';

/** An access token, or a function that returns a fresh one (called before every request). */
export type AccessTokenSource = string | (() => string | Promise<string>);

export interface DirectoryClientOptions {
  /**
   * How often `uploadKeys` retries when the Directory has not learnt of a
   * just-registered device from Auth yet (`DIR_DEVICE_UNKNOWN`). Default 5.
   */
  unknownDeviceRetries?: number;
  /** Pause before the first such retry, doubled each time. Default 200 ms. */
  unknownDeviceDelayMs?: number;
}

/**
 * The Directory API for one signed-in device: handles, profiles, the
 * device's own key material, other accounts' prekey bundles and device lists.
 * Binary values are `Uint8Array`s; the wire's base64url stays inside.
 *
 * @example
 * const directory = new DirectoryClient(new HttpClient('http://127.0.0.1:4002'), () => session.accessToken());
 * await directory.claimHandle('alice');
 * const bob = await directory.lookupHandle('bob');
 * if (bob) {
 *   const { devices } = await directory.fetchBundles(bob.accountId); // consumes one one-time key per device
 * }
 */
export class DirectoryClient {
  constructor(
    private readonly http: HttpClient,
    private readonly token: AccessTokenSource,
    private readonly options: DirectoryClientOptions = {},
  ) {}

  /** Claims a handle for this account (its previous handle, if any, is released). */
  async claimHandle(handle: string): Promise<HandleInfo> {
    return this.call<HandleInfo>('/v1/handle', { method: 'PUT', body: { handle } });
  }

  /** Same as `claimHandle`: the server swaps the handles in one transaction. */
  async changeHandle(handle: string): Promise<HandleInfo> {
    return this.claimHandle(handle);
  }

  async releaseHandle(): Promise<void> {
    await this.call('/v1/handle', { method: 'DELETE' });
  }

  /** This account's handle, or null when it has none. */
  async myHandle(): Promise<HandleInfo | null> {
    return this.orNull(this.call<HandleInfo>('/v1/handle'), 'DIR_HANDLE_NOT_FOUND');
  }

  /** Exact lookup (normalised by the server); null when no account has the handle. Rate limited per account. */
  async lookupHandle(handle: string): Promise<HandleInfo | null> {
    return this.orNull(this.call<HandleInfo>(`/v1/handles/${encodeURIComponent(handle)}`), 'DIR_HANDLE_NOT_FOUND');
  }

  /** Sets this account's display name and encrypted profile blob. */
  async putProfile(update: ProfileUpdate): Promise<Profile> {
    const blob = update.blob === undefined || update.blob === null ? null : toBase64Url(update.blob);
    return profileFromWire(await this.call<WireProfile>('/v1/profile', { method: 'PUT', body: { displayName: update.displayName, blob } }));
  }

  /** An account's profile, or null when it has none. */
  async getProfile(accountId: string): Promise<Profile | null> {
    const wire = await this.orNull(this.call<WireProfile>(`/v1/accounts/${encodeURIComponent(accountId)}/profile`), 'DIR_PROFILE_NOT_FOUND');
    return wire === null ? null : profileFromWire(wire);
  }

  /**
   * Uploads this device's keys and returns what it now holds. Retries a few
   * times while the Directory has not yet heard of a freshly registered device.
   */
  async uploadKeys(upload: KeyUpload): Promise<KeyCounts> {
    const body = uploadToWire(upload);
    const retries = this.options.unknownDeviceRetries ?? 5;
    let delay = this.options.unknownDeviceDelayMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<KeyCounts>('/v1/keys', { method: 'PUT', body });
      } catch (error) {
        if (!(error instanceof SanctumApiError) || error.code !== 'DIR_DEVICE_UNKNOWN' || attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
  }

  /** How many one-time prekeys this device has left: refill with `uploadKeys` before they run out. */
  async keyCounts(): Promise<KeyCounts> {
    return this.call<KeyCounts>('/v1/keys/counts');
  }

  /**
   * Bundles for every active device of an account, each consuming one
   * one-time key (or giving the last-resort key). Signatures are verified
   * against each bundle's identity key (BundleSignatureError otherwise).
   */
  async fetchBundles(accountId: string): Promise<AccountBundles> {
    return this.bundles(accountId, {});
  }

  /** The bundle of one device of an account. */
  async fetchDeviceBundle(accountId: string, deviceId: string): Promise<DeviceBundle> {
    const bundles = await this.bundles(accountId, { deviceId });
    const bundle = bundles.devices[0];
    if (bundle === undefined) throw new SanctumApiError(404, 'DIR_DEVICE_NOT_FOUND', 'The account has no such active device');
    return bundle;
  }

  /** An account's active devices (what a message must be encrypted for). */
  async listDevices(accountId: string): Promise<DeviceInfo[]> {
    const wire = await this.call<{ devices: { deviceId: string; identityKey: string; createdAt: number }[] }>(
      `/v1/accounts/${encodeURIComponent(accountId)}/devices`,
    );
    return wire.devices.map((d) => ({ deviceId: d.deviceId, identityKey: fromBase64Url(d.identityKey), createdAt: d.createdAt }));
  }

  private async bundles(accountId: string, body: { deviceId?: string }): Promise<AccountBundles> {
    const wire = await this.call<WireBundles>(`/v1/accounts/${encodeURIComponent(accountId)}/bundle`, { method: 'POST', body });
    const bundles = bundlesFromWire(wire);
    for (const device of bundles.devices) verifyDeviceBundle(device);
    return bundles;
  }

  private async call<T>(path: string, options: Omit<RequestOptions, 'token'> = {}): Promise<T> {
    const token = typeof this.token === 'string' ? this.token : await this.token();
    return (await this.http.request<T>(path, { ...options, token })).body;
  }

  private async orNull<T>(request: Promise<T>, notFoundCode: string): Promise<T | null> {
    try {
      return await request;
    } catch (error) {
      if (error instanceof SanctumApiError && error.code === notFoundCode) return null;
      throw error;
    }
  }
}
