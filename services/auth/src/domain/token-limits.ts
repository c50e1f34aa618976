/**
 * The longest an access token may live. Verifiers (the kernel's
 * RevocationList) forget a revocation after this long, and retired signing
 * keys are kept published at least this long, so it is a protocol constant,
 * not a setting; ACCESS_TOKEN_TTL_S is capped by it.
 */
export const MAX_ACCESS_TOKEN_TTL_S = 3600;
