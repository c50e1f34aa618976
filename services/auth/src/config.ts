import { loadConfig, serviceConfigProperties } from '@sanctum/kernel';
import Type from 'typebox';
import type { Static } from 'typebox';

/** Every setting of the Auth service, read once at start (see docs/configuration.md). */
export const AuthConfigSchema = Type.Object({
  ...serviceConfigProperties(4001),
});
export type AuthConfig = Static<typeof AuthConfigSchema>;

export function loadAuthConfig(env: Record<string, string | undefined>): Readonly<AuthConfig> {
  return loadConfig(AuthConfigSchema, env);
}
