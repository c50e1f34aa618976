import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serviceConfigProperties, tokenVerificationConfigProperties } from '@sanctum/kernel';

const Schema = Type.Object({ ...serviceConfigProperties(4001), ...tokenVerificationConfigProperties() });
const token = 'x'.repeat(32);

describe('loadConfig', () => {
  it('applies defaults, converts strings and freezes the result', () => {
    const config = loadConfig(Schema, { SANCTUM_INTERNAL_TOKEN: token, PORT: '5001', TRUST_PROXY: 'true', UNRELATED: 'x' });
    expect(config.PORT).toBe(5001);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.AUTH_URL).toBe('http://127.0.0.1:4001');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect('UNRELATED' in config).toBe(false);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig(Schema, { SANCTUM_INTERNAL_TOKEN: token, REDIS_URL: '' });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('reports every invalid variable together', () => {
    let caught: unknown;
    try {
      loadConfig(Schema, { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', SANCTUM_INTERNAL_TOKEN: 'short' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'SANCTUM_INTERNAL_TOKEN']),
    );
    expect(problems.find((p) => p.startsWith('PORT'))).toContain('(got "eighty")');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL'))).toContain('must be one of fatal, error, warn');
    expect((caught as Error).message).toContain('Invalid configuration');
  });

  it('names a required variable that is missing', () => {
    expect(() => loadConfig(Schema, {})).toThrow(/SANCTUM_INTERNAL_TOKEN/);
  });
});
