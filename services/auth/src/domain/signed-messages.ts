/**
 * The exact bytes a device signs for each action. Every message starts with
 * a domain tag and names its purpose, so a signature made for one action (or
 * for anything outside Sanctum) can never be replayed as another. The client
 * SDK builds the same bytes (packages/client/src/auth/auth-messages.ts); the
 * end-to-end tests prove the two agree.
 */
const DOMAIN = 'sanctum-auth/v1';

function message(purpose: string, ...fields: string[]): Uint8Array {
  return new TextEncoder().encode([DOMAIN, purpose, ...fields].join('\n'));
}

export const signedMessages = {
  createAccount: (nonce: string, identityKey: string) => message('create-account', nonce, identityKey),
  signIn: (nonce: string, deviceId: string) => message('sign-in', nonce, deviceId),
  deleteAccount: (nonce: string, accountId: string, deviceId: string) => message('delete-account', nonce, accountId, deviceId),
  recover: (nonce: string, accountId: string, identityKey: string) => message('recover', nonce, accountId, identityKey),
  linkApprove: (linkId: string, accountId: string, approverDeviceId: string, identityKey: string) =>
    message('link-approve', linkId, accountId, approverDeviceId, identityKey),
  linkComplete: (linkId: string, nonce: string, identityKey: string) => message('link-complete', linkId, nonce, identityKey),
};
