import { randomBytes } from 'node:crypto';
import { ConnectionGate, exchangeWithin } from './http.exchange.js';
import { loadPool } from './http.target.js';
import { DeliveryTracker } from './delivery.tracker.js';
import type { Dispatcher } from 'undici';
import type { LoadTarget, LoadTargetFactory, SendOutcome, SendRequest, ServiceUrls, TargetOpenContext, TargetSession } from './load-target.contract.js';
import { MessagingFleet } from './messaging.fleet.js';
import type { FleetOptions, SendRoute } from './messaging.fleet.js';
import { SendBodyBuilder } from './send-body.builder.js';
import type { RoutePrefixes } from './send-body.builder.js';

export interface MessagingSendOptions extends FleetOptions {
  /** How long a scenario's `close` waits for the copies of its last 2xx sends to arrive (default 10 s). */
  readonly deliveryGraceMs?: number;
}

/**
 * The default target of `sanctum smoke`: the real Messaging send path. Set-up
 * (once per run) enrols sender and recipient accounts through Auth and
 * connects every receiving device over WebSocket (see `MessagingFleet`). Each
 * scheduled request is one authenticated
 * `POST /v1/conversations/:id/messages` from a sender device to its direct
 * conversation, with one ciphertext of the scenario's size per recipient
 * device and a unique clientMessageId; only 2xx counts as success. The
 * recipients ack what they receive, and each arrival is reported as
 * send-to-delivery latency from the request's intended time.
 *
 * @example
 * await smokeCommand({ outDir: 'artifacts/smoke', target: messagingSendTarget() });
 */
export function messagingSendTarget(options: MessagingSendOptions = {}): LoadTargetFactory {
  return async (urls: ServiceUrls): Promise<LoadTarget> => {
    const fleet = await MessagingFleet.enrol(urls, options);
    const copies = fleet.routes.map((r) => r.deviceIds.length);
    return {
      name: 'messaging-send',
      description:
        `POST /v1/conversations/:id/messages from ${fleet.routes.length} sender devices, ${Math.min(...copies)}–${Math.max(...copies)} ` +
        `ciphertexts per send (one per recipient device); ${fleet.receivingDevices} recipient devices ack over WebSocket`,
      interim: false,
      open: (context) => openSendSession(urls, fleet, context, options.deliveryGraceMs ?? 10_000),
      dispose: () => fleet.stop(),
    };
  };
}

async function openSendSession(urls: ServiceUrls, fleet: MessagingFleet, context: TargetOpenContext, graceMs: number): Promise<TargetSession> {
  const pool = loadPool(new URL(urls.messaging).origin, context);
  const gate = new ConnectionGate(pool, context.connections);
  const builder = new SendBodyBuilder(context.payloadBytes > 0 ? context.payloadBytes : 1024);
  const routes: PreparedRoute[] = fleet.routes.map((route) => ({
    route,
    path: `/v1/conversations/${encodeURIComponent(route.conversationId)}/messages`,
    prefixes: builder.devicePrefixes(route.deviceIds),
  }));
  // Unique per run and scenario, so a redelivery from an earlier scenario can never be taken for one of this one's.
  const tag = `${randomBytes(4).toString('hex')}.${context.scenario}`;
  const tracker = new DeliveryTracker((latencyMs, index) => {
    context.recordDelivery(latencyMs, index);
  });
  const at = { reconnects: fleet.reconnects, refreshes: fleet.refresher.refreshes };

  const sendOptions = (index: number, clientMessageId: string): Dispatcher.DispatchOptions => {
    const { route, path, prefixes } = routeOf(routes, index);
    const body = builder.chunks(clientMessageId, prefixes, index);
    return {
      path,
      method: 'POST',
      headers: {
        authorization: `Bearer ${route.sender.session.tokens.accessToken}`,
        'content-type': 'application/json',
        'content-length': String(body.length),
        // The services log this id with the request, so a slow request in the report can be found in their logs.
        'x-request-id': `smoke-${context.scenario}-${index}`,
      },
      // The pieces as they are: undici writes each in turn, nothing is joined. Its documentation lists an
      // Iterable body for dispatch (docs/api/Dispatcher.md); its type declarations do not yet, hence the cast.
      body: body.chunks as unknown as Dispatcher.DispatchOptions['body'],
    };
  };

  // One uncounted send per route first: connecting, the first use of the parsers and each conversation's first write
  // would otherwise land on the first scheduled requests. Their envelopes arrive unmatched and are simply acked.
  await Promise.all(routes.map((_, i) => exchangeWithin(pool, sendOptions(i, `${tag}.warmup.${i}`), context.timeoutMs)));
  fleet.onEnvelope = (deviceId, envelope) => {
    tracker.received(deviceId, envelope.clientMessageId, performance.now());
  };

  return {
    payloadBytes: builder.ciphertextBytes,
    send: async (request: SendRequest): Promise<SendOutcome> => {
      const clientMessageId = `${tag}.${request.index}`;
      // A warm-up send's envelopes arrive unmatched and are acked like any other; only measured sends are counted.
      if (request.index < context.warmupRequests) return gate.exchange(sendOptions(request.index, clientMessageId), request);
      tracker.sent(clientMessageId, request.index, request.intendedAt, routeOf(routes, request.index).route.deviceIds);
      const outcome = await gate.exchange(sendOptions(request.index, clientMessageId), request);
      tracker.settled(clientMessageId, outcome.kind === 'ok' ? 'ok' : outcome.kind === 'status' && outcome.status < 500 ? 'refused' : 'unknown');
      return outcome;
    },
    queued: () => gate.queued,
    close: async () => {
      await tracker.drained(graceMs);
      fleet.onEnvelope = () => undefined;
      // Anything still in the pool timed out long ago (the generator waits for the rest): it is not waited for.
      await pool.destroy();
    },
    delivery: () => ({
      expected: tracker.expected,
      delivered: tracker.delivered,
      reconnects: fleet.reconnects - at.reconnects,
      tokenRefreshes: fleet.refresher.refreshes - at.refreshes,
    }),
  };
}

interface PreparedRoute {
  readonly route: SendRoute;
  readonly path: string;
  readonly prefixes: RoutePrefixes;
}

/** Requests go round the routes, so every sender device carries an equal share of the rate. */
function routeOf(routes: readonly PreparedRoute[], index: number): PreparedRoute {
  const route = routes[index % routes.length];
  if (route === undefined) throw new Error('the fleet has no send routes');
  return route;
}
