import { loadConfig, serviceConfigProperties, tokenVerificationConfigProperties } from '@sanctum/kernel';
import Type from 'typebox';
import type { Static } from 'typebox';

/** Every setting of the Messaging service, read once at start (see docs/configuration.md). */
export const MessagingConfigSchema = Type.Object({
  ...serviceConfigProperties(4003),
  ...tokenVerificationConfigProperties(),
});
export type MessagingConfig = Static<typeof MessagingConfigSchema>;

export function loadMessagingConfig(env: Record<string, string | undefined>): Readonly<MessagingConfig> {
  return loadConfig(MessagingConfigSchema, env);
}
