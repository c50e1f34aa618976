import Type from 'typebox';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, KEY_ID_MAX, X25519_PUBLIC_KEY_BYTES } from '../domain/key.rules.js';
import { base64Url } from './common.schemas.js';

/** The largest ML-KEM encapsulation key accepted (ML-KEM-1024). */
const ML_KEM_MAX_BYTES = 1568;
/** Static ceiling of a batch; the configured PREKEY_BATCH_MAX is checked by the domain with its own error code. */
const BATCH_CEILING = 1000;

const KeyId = Type.Integer({ minimum: 0, maximum: KEY_ID_MAX, description: 'Chosen by the client, unique per device and kind' });
const Signature = base64Url(ED25519_SIGNATURE_BYTES, 'Ed25519 signature by the identity key over the public key bytes');

const SignedEcKey = Type.Object(
  { keyId: KeyId, publicKey: base64Url(X25519_PUBLIC_KEY_BYTES, 'X25519 public key'), signature: Signature },
  { additionalProperties: false },
);
const OneTimeEcKey = Type.Object(
  { keyId: KeyId, publicKey: base64Url(X25519_PUBLIC_KEY_BYTES, 'X25519 public key') },
  { additionalProperties: false },
);
const SignedKemKey = Type.Object(
  { keyId: KeyId, publicKey: base64Url(ML_KEM_MAX_BYTES, 'ML-KEM-768 or ML-KEM-1024 encapsulation key'), signature: Signature },
  { additionalProperties: false },
);

export const KeyUploadBody = Type.Object(
  {
    identityKey: base64Url(ED25519_PUBLIC_KEY_BYTES, 'Ed25519 identity key; must equal the one Auth holds for the device'),
    signedPreKey: Type.Optional(SignedEcKey),
    lastResortPreKey: Type.Optional(SignedEcKey),
    oneTimePreKeys: Type.Optional(Type.Array(OneTimeEcKey, { maxItems: BATCH_CEILING })),
    pqLastResortPreKey: Type.Optional(SignedKemKey),
    pqOneTimePreKeys: Type.Optional(Type.Array(SignedKemKey, { maxItems: BATCH_CEILING })),
  },
  { additionalProperties: false },
);

export const KeyCountsResponse = Type.Object(
  {
    oneTimePreKeys: Type.Integer({ description: 'Classic one-time prekeys left' }),
    pqOneTimePreKeys: Type.Integer({ description: 'Post-quantum one-time prekeys left' }),
    hasSignedPreKey: Type.Boolean(),
    hasLastResortPreKey: Type.Boolean(),
    hasPqLastResortPreKey: Type.Boolean(),
  },
  { additionalProperties: false },
);

const BundleKey = Type.Object(
  {
    keyId: Type.Integer(),
    publicKey: Type.String(),
    /** Present on post-quantum keys and on the classic last-resort key. */
    signature: Type.Optional(Type.String()),
    lastResort: Type.Boolean({ description: 'True when no one-time key was left and this is the reusable last-resort key' }),
  },
  { additionalProperties: false },
);

export const DeviceBundleSchema = Type.Object(
  {
    deviceId: Type.String(),
    identityKey: Type.String(),
    signedPreKey: Type.Object({ keyId: Type.Integer(), publicKey: Type.String(), signature: Type.String() }, { additionalProperties: false }),
    preKey: BundleKey,
    pqPreKey: Type.Union([BundleKey, Type.Null()]),
  },
  { additionalProperties: false },
);

export const BundleResponse = Type.Object(
  {
    accountId: Type.String(),
    devices: Type.Array(DeviceBundleSchema),
    devicesWithoutKeys: Type.Array(Type.String(), { description: 'Active devices that have not uploaded keys yet' }),
  },
  { additionalProperties: false },
);
