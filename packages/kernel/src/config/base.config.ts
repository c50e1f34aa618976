import Type from 'typebox';

/**
 * Settings every service shares. A service's own schema spreads these and adds
 * its own: `Type.Object({ ...serviceConfigProperties(4001), TOKEN_TTL_S: ... })`.
 */
export function serviceConfigProperties(defaultPort: number) {
  return {
    HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on' }),
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort }),
    // Enum, not a union of mapped literals: the mapped array loses the tuple type and Static<> became never.
    LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
    /** postgres://… for production; unset means the embedded SQLite file under DATA_DIR. */
    DATABASE_URL: Type.Optional(Type.String({ pattern: '^(postgres|postgresql|sqlite)://' })),
    DATA_DIR: Type.String({ default: './data' }),
    /** redis://… to share rate limits and notifications between instances. */
    REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    /** nats://… to carry cross-instance notifications over NATS instead of Redis. */
    NATS_URL: Type.Optional(Type.String({ pattern: '^nats://' })),
    /** Comma-separated origins allowed by CORS; empty means no cross-origin access. */
    CORS_ORIGINS: Type.String({ default: '' }),
    BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
    /** Requests per client IP per window, for every route (routes may set stricter limits). */
    RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 6000 }),
    RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 100, default: 60_000 }),
    TRUST_PROXY: Type.Boolean({ default: false }),
    SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
    /** Shared secret for service-to-service calls (Auth's event feed and device lists). */
    SANCTUM_INTERNAL_TOKEN: Type.String({ minLength: 32 }),
  };
}

/** Settings of the services that verify Auth's access tokens (Directory, Messaging). */
export function tokenVerificationConfigProperties() {
  return {
    AUTH_URL: Type.String({ default: 'http://127.0.0.1:4001', pattern: '^https?://' }),
    TOKEN_ISSUER: Type.String({ default: 'sanctum-auth' }),
    TOKEN_AUDIENCE: Type.String({ default: 'sanctum' }),
  };
}

/** The shape of the shared settings once parsed, for functions that take any service's config. */
export interface ServiceConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly LOG_LEVEL: string;
  readonly DATABASE_URL?: string | undefined;
  readonly DATA_DIR: string;
  readonly REDIS_URL?: string | undefined;
  readonly NATS_URL?: string | undefined;
  readonly CORS_ORIGINS: string;
  readonly BODY_LIMIT_BYTES: number;
  readonly RATE_LIMIT_MAX: number;
  readonly RATE_LIMIT_WINDOW_MS: number;
  readonly TRUST_PROXY: boolean;
  readonly SHUTDOWN_TIMEOUT_MS: number;
  readonly SANCTUM_INTERNAL_TOKEN: string;
}
