// Brings the types of the per-route `config.rateLimit` options (the plugin itself is registered by the kernel).
import type {} from '@fastify/rate-limit';
import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import type { BundleService } from '../domain/bundle.service.js';
import { encodeBase64Url } from '../domain/binary.codec.js';
import type { BundleKey, TakenBundles } from '../store/bundle.store.js';
import { AccountParams, DeviceId, ErrorResponse, authErrors, bearer } from './common.schemas.js';
import { BundleResponse } from './key.schemas.js';

const BundleBody = Type.Object(
  { deviceId: Type.Optional({ ...DeviceId, description: 'Only this device; all active devices when absent' }) },
  { additionalProperties: false },
);

export interface BundleRateLimit {
  max: number;
  windowMs: number;
}

function keyToWire(key: BundleKey) {
  return {
    keyId: key.keyId,
    publicKey: encodeBase64Url(key.publicKey),
    ...(key.signature === null ? {} : { signature: encodeBase64Url(key.signature) }),
    lastResort: key.lastResort,
  };
}

function toWire(accountId: string, taken: TakenBundles) {
  return {
    accountId,
    devices: taken.bundles.map((bundle) => ({
      deviceId: bundle.deviceId,
      identityKey: encodeBase64Url(bundle.identityKey),
      signedPreKey: {
        keyId: bundle.signedPreKey.keyId,
        publicKey: encodeBase64Url(bundle.signedPreKey.publicKey),
        signature: encodeBase64Url(bundle.signedPreKey.signature),
      },
      preKey: keyToWire(bundle.preKey),
      pqPreKey: bundle.pqPreKey === null ? null : keyToWire(bundle.pqPreKey),
    })),
    devicesWithoutKeys: taken.devicesWithoutKeys,
  };
}

/**
 * Prekey bundles. A POST because every fetch consumes one-time keys: it must
 * never be cached, prefetched or silently retried like a GET.
 */
export function installBundleRoutes(app: SanctumApp, bundles: BundleService, limit: BundleRateLimit): void {
  app.post(
    '/v1/accounts/:accountId/bundle',
    {
      onRequest: app.authenticate,
      // A bodiless POST means "every device", like an empty object.
      preValidation: async (request) => {
        // The schema types the body as always present; a POST without one arrives undefined.
        if ((request.body as unknown) === undefined) request.body = {};
      },
      config: {
        // Per (requester, target): one peer cannot drain another account's one-time keys.
        rateLimit: {
          max: limit.max,
          timeWindow: limit.windowMs,
          keyGenerator: (request) => `bundle:${request.auth.accountId}>${(request.params as { accountId: string }).accountId}`,
        },
      },
      schema: {
        tags: ['keys'],
        summary: 'Fetch prekey bundles of an account’s active devices (or one device), consuming one one-time key each',
        security: bearer,
        params: AccountParams,
        body: BundleBody,
        response: { 200: BundleResponse, 404: ErrorResponse, ...authErrors },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      const deviceId = request.body.deviceId;
      const taken = deviceId === undefined ? await bundles.forAccount(accountId) : await bundles.forDevice(accountId, deviceId);
      return toWire(accountId, taken);
    },
  );
}
