import type { AuthClient } from './auth-client.js';
import type { TokenSet } from './auth-types.js';

export interface SessionOptions {
  /** Refresh when the access token expires within this many ms (default 60 s). */
  refreshMarginMs?: number;
  /** Called with every new token set, to persist the refresh token. */
  onTokens?: (tokens: TokenSet) => void;
  now?: () => number;
}

/**
 * Keeps one signed-in device's access token fresh. Refresh tokens are single
 * use and a replayed one revokes the session, so concurrent callers share a
 * single refresh in flight instead of each spending the token.
 *
 * @example
 * const session = auth.session(await auth.signIn({ identity, deviceId }), { onTokens: save });
 * await fetch(url, { headers: { authorization: `Bearer ${await session.accessToken()}` } });
 * await session.logout();
 */
export class Session {
  private current: TokenSet;
  private inFlight: Promise<TokenSet> | undefined;
  private readonly margin: number;
  private readonly now: () => number;

  constructor(
    private readonly client: AuthClient,
    tokens: TokenSet,
    private readonly options: SessionOptions = {},
  ) {
    this.current = tokens;
    this.margin = options.refreshMarginMs ?? 60_000;
    this.now = options.now ?? (() => Date.now());
  }

  get tokens(): TokenSet {
    return this.current;
  }

  get accountId(): string {
    return this.current.accountId;
  }

  get deviceId(): string {
    return this.current.deviceId;
  }

  get sessionId(): string {
    return this.current.sessionId;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.current.accessTokenExpiresAt - this.margin > this.now()) return this.current.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** Refreshes now (one refresh at a time, shared by concurrent callers). */
  async refresh(): Promise<TokenSet> {
    this.inFlight ??= this.client
      .refresh(this.current.refreshToken)
      .then((tokens) => {
        this.current = tokens;
        this.options.onTokens?.(tokens);
        return tokens;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** Ends this session on the server. */
  async logout(): Promise<void> {
    await this.client.logout(await this.accessToken());
  }
}
