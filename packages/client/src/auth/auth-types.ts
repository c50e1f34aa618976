/** What Auth answers with; times are milliseconds since the epoch. See docs/auth.md. */

export interface TokenSet {
  readonly accountId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  readonly tokenType: 'Bearer';
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
}

export interface Challenge {
  readonly nonce: string;
  readonly expiresAt: number;
}

export interface AccountInfo {
  readonly accountId: string;
  readonly createdAt: number;
  readonly recoveryEnabled: boolean;
}

export interface DeviceInfo {
  readonly deviceId: string;
  readonly name: string;
  readonly identityKey: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** The device that approved this one when it was linked, else null. */
  readonly approvedBy: string | null;
  /** True for the device whose token made the request. */
  readonly current: boolean;
}

export interface SessionInfo {
  readonly sessionId: string;
  readonly deviceId: string;
  readonly createdAt: number;
  readonly lastRefreshedAt: number;
  readonly expiresAt: number;
  readonly current: boolean;
}

/** A link request made by a new device; show `code` (QR or text) to a signed-in device. */
export interface LinkRequest {
  readonly linkId: string;
  readonly code: string;
  readonly nonce: string;
  readonly expiresAt: number;
}

/** What the approving device sees about a link before approving it. */
export interface LinkInfo {
  readonly linkId: string;
  readonly identityKey: string;
  readonly deviceName: string;
  readonly expiresAt: number;
  readonly approved: boolean;
}
