/** Sizes of the key material the Directory accepts, in bytes. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const X25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
/** ML-KEM-768 and ML-KEM-1024 encapsulation keys (FIPS 203). */
export const ML_KEM_PUBLIC_KEY_BYTES: readonly number[] = [1184, 1568];
/** Key ids are chosen by the client: non-negative 31-bit integers. */
export const KEY_ID_MAX = 2_147_483_647;
