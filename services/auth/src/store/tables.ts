/**
 * The Auth database, table by table (Kysely types); queries live in the store
 * modules beside this file. Times are milliseconds since the epoch.
 */
export interface AuthTables {
  accounts: AccountsTable;
  devices: DevicesTable;
  spent_challenges: SpentChallengesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  link_requests: LinkRequestsTable;
  signing_keys: SigningKeysTable;
  auth_events: AuthEventsTable;
  auth_event_counter: AuthEventCounterTable;
}

export interface AccountsTable {
  id: string;
  created_at: number;
  /** Touched whenever the device set changes; the update also serialises device changes per account. */
  updated_at: number;
  /** `scrypt$N$r$p$salt$hash` of the recovery secret, or null when none is registered. */
  recovery_hash: string | null;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  name: string;
  /** Ed25519 public key, base64url (32 bytes); unique over all devices. */
  identity_key: string;
  created_at: number;
  /** Enrolment time; the device list reports the later of this and its sessions' last activity. */
  last_seen_at: number;
  /** The device that approved this one (device linking), and its signature over the approval. */
  approved_by: string | null;
  approval_signature: string | null;
}

/**
 * Challenge nonces that have been used (or burnt by a failed attempt). Nonces
 * themselves are stateless (MAC-protected, see challenge.service.ts); this
 * table is what makes each one single-use. Rows go once the nonce expires.
 */
export interface SpentChallengesTable {
  nonce: string;
  expires_at: number;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  device_id: string;
  created_at: number;
  last_refreshed_at: number;
  /** Sliding: every refresh moves it forward. */
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token, base64url; the token itself is never stored. */
  token_hash: string;
  session_id: string;
  created_at: number;
  /** Set when the token is exchanged; presenting it again revokes the session. */
  used_at: number | null;
}

export interface LinkRequestsTable {
  id: string;
  /** SHA-256 of the one-time code the new device shows, base64url. */
  code_hash: string;
  identity_key: string;
  device_name: string;
  /** Signed by the new device at completion (proof of possession). */
  nonce: string;
  created_at: number;
  expires_at: number;
  account_id: string | null;
  approved_by: string | null;
  approval_signature: string | null;
  approved_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  /** 1, 2, 3, …; unique, so two instances rotating at once create one key, not two. */
  generation: number;
  created_at: number;
  /** When it starts signing; until then it is only published. */
  activates_at: number;
  /** Public JWK (JSON). */
  public_jwk: string;
  /** PKCS#8 private key sealed with AES-256-GCM under the key-encryption key. */
  private_key: string;
}

export interface AuthEventsTable {
  seq: number;
  type: string;
  account_id: string;
  device_id: string | null;
  identity_key: string | null;
  session_id: string | null;
  occurred_at: number;
}

/** One row; incrementing it takes a row lock, so events commit in seq order on PostgreSQL too. */
export interface AuthEventCounterTable {
  id: number;
  last_seq: number;
}
