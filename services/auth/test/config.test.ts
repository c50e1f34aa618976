import { ConfigError } from '@sanctum/kernel';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadAuthConfig } from '../src/config.js';
import { authTestConfig } from './support/auth-harness.js';

const TOKEN = 'x'.repeat(32);

describe('Auth configuration', () => {
  it('has the documented defaults', () => {
    const config = loadAuthConfig({ SANCTUM_INTERNAL_TOKEN: TOKEN });
    expect(config).toMatchObject({
      PORT: 4001,
      TOKEN_ISSUER: 'sanctum-auth',
      TOKEN_AUDIENCE: 'sanctum',
      ACCESS_TOKEN_TTL_S: 600,
      CHALLENGE_TTL_S: 60,
      MAX_DEVICES_PER_ACCOUNT: 6,
      RECOVERY_SCRYPT_COST: 32_768,
    });
    expect(config.SIGNING_KEY_ENCRYPTION_KEY).toBeUndefined();
  });

  it('reports every invalid variable at once, tokens never longer than an hour', () => {
    let error: unknown;
    try {
      loadAuthConfig({ SANCTUM_INTERNAL_TOKEN: TOKEN, ACCESS_TOKEN_TTL_S: '7200', SIGNING_KEY_ENCRYPTION_KEY: 'short', MAX_DEVICES_PER_ACCOUNT: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['ACCESS_TOKEN_TTL_S', 'SIGNING_KEY_ENCRYPTION_KEY', 'MAX_DEVICES_PER_ACCOUNT']) expect(problems).toContain(name);
  });

  it('refuses to build with an scrypt cost that is not a power of two', async () => {
    await expect(buildApp({ config: authTestConfig({ RECOVERY_SCRYPT_COST: 3000 }), logger: false })).rejects.toThrow(/power of two/);
  });
});
