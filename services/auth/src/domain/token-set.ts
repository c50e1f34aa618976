/** What a successful sign-in, refresh, link or recovery returns to the device. */
export interface TokenSet {
  readonly accountId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  readonly tokenType: 'Bearer';
  readonly accessToken: string;
  /** Milliseconds since the epoch. */
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  /** Milliseconds since the epoch; each refresh moves it forward. */
  readonly refreshTokenExpiresAt: number;
}

/** A session just written inside a transaction; the access token is signed after commit. */
export interface OpenedSession {
  readonly accountId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: number;
}
