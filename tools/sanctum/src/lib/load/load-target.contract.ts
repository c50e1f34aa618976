import type { DeliveryCounts } from '../smoke-result.js';

export type { DeliveryCounts } from '../smoke-result.js';

/**
 * What the open-loop generator drives. A target knows how to make one request
 * of the system under test (a Messaging send from a signed-in device, with
 * recipients acking over WebSocket; or a plain HTTP request such as the
 * /readyz probe); the generator owns the schedule, the timeouts, the clock and
 * the counting.
 *
 * Lifecycle: the factory prepares what lasts the whole run (accounts, sockets);
 * per scenario `open` once before the schedule starts (warm connections), then
 * `send` once per scheduled request at its intended time, then `close` after
 * every request has settled; `dispose` once at the end of the run.
 */
export interface LoadTarget {
  /** Stable short name recorded in the results (`messaging-send`, `readyz-probe`). */
  readonly name: string;
  /** One line for the reports: what each request does. */
  readonly description: string;
  /** True when the requests do not go through the Messaging send path (a probe); the reports say so. */
  readonly interim: boolean;
  open(context: TargetOpenContext): Promise<TargetSession>;
  /** Releases what the factory set up for the whole run (sockets, token refresh timers). */
  dispose?(): Promise<void>;
}

/** What the generator tells a target before the schedule starts. */
export interface TargetOpenContext {
  readonly scenario: string;
  readonly targetRps: number;
  readonly durationS: number;
  /** Payload size the scenario asks for; a target that sends none reports `payloadBytes: 0` in its session. */
  readonly payloadBytes: number;
  /** Connections the target may open (rate x timeout, capped); size the HTTP pool with it. */
  readonly connections: number;
  /**
   * Schedule indices below this are the unmeasured warm-up: send them like
   * the others, but a target that counts what it sent leaves them out.
   */
  readonly warmupRequests: number;
  /** The generator cancels a request (through `SendRequest.cancel`) this long after its intended time. */
  readonly timeoutMs: number;
  /**
   * For targets that also observe delivery (a recipient socket got the
   * message): report each send-to-delivery latency in ms (from the request's
   * intended time) with the request's index; it goes into the scenario's
   * `deliveryLatencyMs`, its own histogram and the per-second timeline.
   */
  recordDelivery(latencyMs: number, index: number): void;
}

/** One request the generator asks for. */
export interface SendRequest {
  /** 0-based position in the scenario's schedule, warm-up first (see `TargetOpenContext.warmupRequests`). */
  readonly index: number;
  /** When the request was due, on the `performance.now()` clock (delivery latency counts from it). */
  readonly intendedAt: number;
  /**
   * Set by the target to what gives the request up (see `exchange` and
   * `ConnectionGate`: one still waiting for a connection is dropped, one
   * already sent may be left to finish); the generator calls it once when
   * the request's time is up. A callback rather
   * than an AbortSignal: a signal and its listener per request cost the
   * generator ~5 µs of its ~60 µs per request (docs/benchmarks.md).
   */
  cancel?: (reason: Error) => void;
}

/**
 * How a request ended. A target never throws from `send`: it resolves with
 * the outcome (the generator treats a rejection as a connection error).
 */
export type SendOutcome =
  | { readonly kind: 'ok'; readonly status: number }
  /** The service answered, but not 2xx. */
  | { readonly kind: 'status'; readonly status: number }
  /** Refused, reset, DNS, TLS: no answer. */
  | { readonly kind: 'connection'; readonly detail: string };

export interface TargetSession {
  /** Bytes of payload each request actually carries (0 for a probe). */
  readonly payloadBytes: number;
  send(request: SendRequest): Promise<SendOutcome>;
  /** Requests waiting for a free connection in the client right now (for the generator's health record). */
  queued(): number;
  /** Called once after every request settled; release connections (and wait for late deliveries). */
  close(): Promise<void>;
  /** For targets that observe delivery: how many envelopes the 2xx sends should have delivered and how many were. */
  delivery?(): DeliveryCounts;
}

/**
 * Makes the target for a run once the services are up. `sanctum smoke` calls it
 * with the URLs it started (or was given); the default, `messagingSendTarget`,
 * signs up accounts through Auth and sends through Messaging.
 */
export type LoadTargetFactory = (urls: ServiceUrls) => LoadTarget | Promise<LoadTarget>;

export interface ServiceUrls {
  readonly auth: string;
  readonly directory: string;
  readonly messaging: string;
}
