import { InProcessBus } from './in-process.bus.js';
import type { NotificationBus } from './notification-bus.js';
import { RedisBus } from './redis.bus.js';

/** Redis when a URL is configured (several instances), otherwise in-process (embedded default). */
export function createBus(redisUrl: string | undefined): NotificationBus {
  return redisUrl === undefined ? new InProcessBus() : new RedisBus(redisUrl);
}
