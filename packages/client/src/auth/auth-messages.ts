/**
 * The exact bytes a device signs for each Auth action; must match
 * services/auth/src/domain/signed-messages.ts byte for byte (the Auth
 * end-to-end tests run this SDK against the service, which proves it).
 */
const DOMAIN = 'sanctum-auth/v1';

function message(purpose: string, ...fields: string[]): Uint8Array {
  return new TextEncoder().encode([DOMAIN, purpose, ...fields].join('\n'));
}

export const authMessages = {
  createAccount: (nonce: string, identityKey: string) => message('create-account', nonce, identityKey),
  signIn: (nonce: string, deviceId: string) => message('sign-in', nonce, deviceId),
  deleteAccount: (nonce: string, accountId: string, deviceId: string) => message('delete-account', nonce, accountId, deviceId),
  recover: (nonce: string, accountId: string, identityKey: string) => message('recover', nonce, accountId, identityKey),
  linkApprove: (linkId: string, accountId: string, approverDeviceId: string, identityKey: string) =>
    message('link-approve', linkId, accountId, approverDeviceId, identityKey),
  linkComplete: (linkId: string, nonce: string, identityKey: string) => message('link-complete', linkId, nonce, identityKey),
};
