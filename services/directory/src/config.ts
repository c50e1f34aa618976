import { loadConfig, serviceConfigProperties, tokenVerificationConfigProperties } from '@sanctum/kernel';
import Type from 'typebox';
import type { Static } from 'typebox';

/** Every setting of the Directory service, read once at start (see docs/configuration.md). */
export const DirectoryConfigSchema = Type.Object({
  ...serviceConfigProperties(4002),
  ...tokenVerificationConfigProperties(),
});
export type DirectoryConfig = Static<typeof DirectoryConfigSchema>;

export function loadDirectoryConfig(env: Record<string, string | undefined>): Readonly<DirectoryConfig> {
  return loadConfig(DirectoryConfigSchema, env);
}
