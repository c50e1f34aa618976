import type { SanctumApp } from '@sanctum/kernel';
import type { KeyService } from '../domain/key.service.js';
import type { KeyCounts } from '../store/prekey.store.js';
import { ErrorResponse, authErrors, bearer } from './common.schemas.js';
import { KeyCountsResponse, KeyUploadBody } from './key.schemas.js';

function toWire(counts: KeyCounts) {
  return {
    oneTimePreKeys: counts.oneTime.ec,
    pqOneTimePreKeys: counts.oneTime.pq,
    hasSignedPreKey: counts.signed.signed,
    hasLastResortPreKey: counts.signed.last_resort,
    hasPqLastResortPreKey: counts.signed.pq_last_resort,
  };
}

/** The calling device's own key material: there is no way to name another device here. */
export function installKeyRoutes(app: SanctumApp, keys: KeyService): void {
  const tags = ['keys'];
  app.put(
    '/v1/keys',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Upload the calling device’s keys: replaces signed and last-resort keys given, adds one-time keys',
        security: bearer,
        body: KeyUploadBody,
        response: { 200: KeyCountsResponse, 409: ErrorResponse, ...authErrors },
      },
    },
    async (request) => toWire(await keys.upload(request.auth, request.body)),
  );
  app.get(
    '/v1/keys/counts',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'How many one-time prekeys the calling device has left (refill before they run out)',
        security: bearer,
        response: { 200: KeyCountsResponse, 409: ErrorResponse, ...authErrors },
      },
    },
    async (request) => toWire(await keys.counts(request.auth)),
  );
}
