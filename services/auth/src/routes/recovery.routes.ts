import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import { bodyField, perIp, perTarget } from './rate-limits.js';
import type { AuthRouteDeps } from './route-deps.js';
import { DeviceName, IdentityKey, Nonce, RecoverySecret, Signature, TokenSetResponse, Uuid, errorResponses } from './schemas.js';

const RecoverBody = Type.Object(
  {
    accountId: Uuid,
    recoverySecret: RecoverySecret,
    identityKey: IdentityKey,
    deviceName: Type.Optional(DeviceName),
    nonce: Nonce,
    signature: Signature,
    newRecoverySecret: Type.Optional(RecoverySecret),
  },
  { additionalProperties: false },
);

/** Account recovery; limited hard per IP and per account, since the secret is the only barrier. */
export function registerRecoveryRoutes(app: SanctumApp, deps: AuthRouteDeps): void {
  const { config } = deps;
  app.post(
    '/v1/recovery',
    {
      config: perIp(config.RATE_LIMIT_RECOVERY_PER_IP, config.RECOVERY_RATE_WINDOW_MS),
      preHandler: perTarget(app, 'recovery-account', config.RATE_LIMIT_RECOVERY_PER_ACCOUNT, config.RECOVERY_RATE_WINDOW_MS, bodyField('accountId')),
      schema: {
        tags: ['recovery'],
        summary: 'Enrol a new device with the recovery secret; every other device and session is removed',
        body: RecoverBody,
        response: { 201: TokenSetResponse, ...errorResponses(401, 409, 429) },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.recovery.recover(request.body)),
  );
}
