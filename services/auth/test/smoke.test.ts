import { DeviceIdentity } from '@sanctum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';

describe('smoke', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuth({ listen: true });
  });
  afterAll(() => auth.close());

  it('creates and signs in', async () => {
    const identity = DeviceIdentity.generate();
    const tokens = await auth.client.createAccount({ identity });
    expect(tokens.accountId).toBeTruthy();
    const again = await auth.client.signIn({ identity, deviceId: tokens.deviceId });
    expect(again.sessionId).not.toBe(tokens.sessionId);
    const devices = await auth.client.listDevices(again.accessToken);
    expect(devices).toHaveLength(1);
  });
});
