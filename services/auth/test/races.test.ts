import { DeviceIdentity, generateRecoverySecret } from '@sanctum/client';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthTables } from '../src/store/tables.js';
import { startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { apiError } from './support/api-error.js';

/** Requests that race for the same thing: exactly one may win, the others get a clean 4xx. */
describe.each(testEngines())('concurrent requests on $name', (engine) => {
  let database: Database<AuthTables>;
  let auth: AuthUnderTest;
  beforeAll(async () => {
    database = await engine.open<AuthTables>();
    auth = await startAuth({ database, listen: true, config: { MAX_DEVICES_PER_ACCOUNT: 3 } });
  });
  afterAll(async () => {
    await auth.close();
    await database.close();
  });

  it('creates one account when several race with the same identity key', async () => {
    const identity = DeviceIdentity.generate();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => auth.client.createAccount({ identity })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409, code: 'AUTH_IDENTITY_KEY_IN_USE' });
  });

  it('completes a link once when the new device asks twice at the same moment', async () => {
    const laptop = DeviceIdentity.generate();
    const tokens = await auth.client.createAccount({ identity: laptop });
    const phone = DeviceIdentity.generate();
    const link = await auth.client.requestLink({ identity: phone });
    await auth.client.approveLink({ ...tokens, identity: laptop, code: link.code });
    const results = await Promise.allSettled([auth.client.completeLink({ identity: phone, link }), auth.client.completeLink({ identity: phone, link })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await auth.client.listDevices(tokens.accessToken)).length).toBe(2);
  });

  it('holds the device cap when two approved links complete after the cap was reached', async () => {
    const laptop = DeviceIdentity.generate();
    const tokens = await auth.client.createAccount({ identity: laptop });
    const newcomers = [DeviceIdentity.generate(), DeviceIdentity.generate(), DeviceIdentity.generate()];
    const links = [];
    for (const identity of newcomers) {
      const link = await auth.client.requestLink({ identity });
      await auth.client.approveLink({ ...tokens, identity: laptop, code: link.code });
      links.push({ identity, link });
    }
    const results = await Promise.allSettled(links.map((l) => auth.client.completeLink(l)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ status: 409, code: 'AUTH_DEVICE_LIMIT' });
    expect((await auth.client.listDevices(tokens.accessToken)).length).toBe(3);
  });

  it('lets one of two simultaneous recoveries with the same secret through', async () => {
    const secret = generateRecoverySecret();
    const tokens = await auth.client.createAccount({ identity: DeviceIdentity.generate(), recoverySecret: secret });
    const results = await Promise.allSettled(
      [DeviceIdentity.generate(), DeviceIdentity.generate()].map((identity) => auth.client.recover({ accountId: tokens.accountId, recoverySecret: secret, identity })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ status: 401, code: 'AUTH_RECOVERY_FAILED' });
  });

  it('revokes the session when the same refresh token is presented twice at once', async () => {
    const tokens = await auth.client.createAccount({ identity: DeviceIdentity.generate() });
    const results = await Promise.allSettled([auth.client.refresh(tokens.refreshToken), auth.client.refresh(tokens.refreshToken)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    const winner = results.find((r) => r.status === 'fulfilled');
    if (winner?.status === 'fulfilled') {
      // The loser saw a spent token: the winner's new pair dies with the session.
      expect(await apiError(auth.client.refresh(winner.value.refreshToken))).toMatchObject({ code: 'AUTH_REFRESH_INVALID' });
    }
  });
});
