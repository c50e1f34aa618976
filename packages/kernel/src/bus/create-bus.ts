import { InProcessBus } from './in-process.bus.js';
import { NatsBus } from './nats.bus.js';
import type { NotificationBus } from './notification-bus.js';
import { RedisBus } from './redis.bus.js';

/**
 * NATS when `NATS_URL` is set, else Redis when `REDIS_URL` is set (several
 * instances), otherwise in-process (the embedded default: one instance each).
 */
export async function createBus(urls: { redisUrl?: string | undefined; natsUrl?: string | undefined }): Promise<NotificationBus> {
  if (urls.natsUrl !== undefined) return NatsBus.connect(urls.natsUrl);
  if (urls.redisUrl !== undefined) return new RedisBus(urls.redisUrl);
  return new InProcessBus();
}
