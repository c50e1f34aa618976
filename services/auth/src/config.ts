import { loadConfig, serviceConfigProperties } from '@sanctum/kernel';
import Type from 'typebox';
import type { Static } from 'typebox';

const DAY_S = 86_400;

/** Per-route abuse limits (requests per window), per client IP and per account, device or session. */
const rateLimitProperties = {
  /** Window of every per-route limit below except recovery. */
  AUTH_RATE_WINDOW_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  RATE_LIMIT_CREATE_PER_IP: Type.Integer({ minimum: 1, default: 20 }),
  RATE_LIMIT_CHALLENGE_PER_IP: Type.Integer({ minimum: 1, default: 300 }),
  RATE_LIMIT_SIGN_IN_PER_IP: Type.Integer({ minimum: 1, default: 300 }),
  /** Challenges and sign-ins per device (each counted on its own). */
  RATE_LIMIT_SIGN_IN_PER_DEVICE: Type.Integer({ minimum: 1, default: 30 }),
  RATE_LIMIT_REFRESH_PER_IP: Type.Integer({ minimum: 1, default: 300 }),
  RATE_LIMIT_REFRESH_PER_SESSION: Type.Integer({ minimum: 1, default: 20 }),
  RATE_LIMIT_LINK_PER_IP: Type.Integer({ minimum: 1, default: 30 }),
  /** Link inspections and approvals per approving account. */
  RATE_LIMIT_LINK_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 30 }),
  /** The new device polls completion until approved: per IP and per link. */
  RATE_LIMIT_LINK_POLL_PER_IP: Type.Integer({ minimum: 1, default: 300 }),
  RATE_LIMIT_LINK_POLL_PER_LINK: Type.Integer({ minimum: 1, default: 60 }),
  /** Recovery is guessable only through these limits, so they are tight and have their own window. */
  RECOVERY_RATE_WINDOW_MS: Type.Integer({ minimum: 100, default: 3_600_000 }),
  RATE_LIMIT_RECOVERY_PER_IP: Type.Integer({ minimum: 1, default: 5 }),
  RATE_LIMIT_RECOVERY_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 5 }),
};

/** Every setting of the Auth service, read once at start (see docs/auth.md). */
export const AuthConfigSchema = Type.Object({
  ...serviceConfigProperties(4001),
  TOKEN_ISSUER: Type.String({ default: 'sanctum-auth', minLength: 1 }),
  TOKEN_AUDIENCE: Type.String({ default: 'sanctum', minLength: 1 }),
  /** Verifiers assume no access token lives longer than 3600 s (revocation memory), hence the maximum. */
  ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 30, maximum: 3600, default: 600 }),
  /** Idle lifetime of a session: each refresh extends it by this much. */
  REFRESH_TOKEN_TTL_S: Type.Integer({ minimum: 300, default: 30 * DAY_S }),
  CHALLENGE_TTL_S: Type.Integer({ minimum: 5, maximum: 600, default: 60 }),
  LINK_TTL_S: Type.Integer({ minimum: 30, maximum: 3600, default: 300 }),
  MAX_DEVICES_PER_ACCOUNT: Type.Integer({ minimum: 1, maximum: 100, default: 6 }),
  /**
   * Key-encryption key for the signing keys at rest: base64 of 32 random bytes.
   * Required with PostgreSQL; on the embedded default it is generated once under DATA_DIR.
   */
  SIGNING_KEY_ENCRYPTION_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' })),
  /** Age after which a new signing key is generated. */
  SIGNING_KEY_ROTATION_S: Type.Integer({ minimum: 60, default: 30 * DAY_S }),
  /** A new key is published in the JWKS this long before it signs, so verifiers have it in time. */
  SIGNING_KEY_PUBLISH_DELAY_S: Type.Integer({ minimum: 0, maximum: 3600, default: 60 }),
  /** How often each instance re-reads the signing keys (picks up rotations by other instances). */
  SIGNING_KEY_RELOAD_S: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
  /** scrypt cost (N, a power of two) for recovery secrets. */
  RECOVERY_SCRYPT_COST: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 32_768 }),
  /** Outbox events older than this are deleted; a consumer down longer must resynchronise. */
  EVENT_RETENTION_DAYS: Type.Integer({ minimum: 1, default: 30 }),
  /** Pruning of expired rows and age-based key rotation. */
  MAINTENANCE_INTERVAL_S: Type.Integer({ minimum: 1, default: 60 }),
  ...rateLimitProperties,
});
export type AuthConfig = Static<typeof AuthConfigSchema>;

export function loadAuthConfig(env: Record<string, string | undefined>): Readonly<AuthConfig> {
  return loadConfig(AuthConfigSchema, env);
}
