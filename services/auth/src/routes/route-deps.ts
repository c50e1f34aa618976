import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from '../config.js';
import type { AccountService } from '../domain/account.service.js';
import type { DeviceService } from '../domain/device.service.js';
import type { EventFeed } from '../domain/event-feed.js';
import type { LinkService } from '../domain/link.service.js';
import type { RecoveryService } from '../domain/recovery.service.js';
import type { SessionService } from '../domain/session.service.js';
import type { SignInService } from '../domain/sign-in.service.js';
import type { SigningKeyRing } from '../domain/signing-key.ring.js';
import type { AuthData } from '../store/auth-data.js';

/** What the route modules call; built once in app.ts. */
export interface AuthRouteDeps {
  readonly config: Readonly<AuthConfig>;
  readonly data: AuthData;
  readonly accounts: AccountService;
  readonly signIn: SignInService;
  readonly sessions: SessionService;
  readonly devices: DeviceService;
  readonly links: LinkService;
  readonly recovery: RecoveryService;
  readonly feed: EventFeed;
  readonly ring: SigningKeyRing;
  /** onRequest hooks of routes that need a signed-in device. */
  readonly authenticated: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>)[];
}
