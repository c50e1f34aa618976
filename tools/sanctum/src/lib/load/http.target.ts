import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { ConnectionGate, exchangeWithin } from './http.exchange.js';
import type { LoadTarget, TargetOpenContext, TargetSession } from './load-target.contract.js';

export interface HttpTargetOptions {
  name: string;
  description: string;
  interim: boolean;
  /** Absolute URL each request goes to. */
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  /** Send a body of the scenario's payload size (JSON `{"payload":"aaa…"}` padded to the size). */
  sendPayload?: boolean;
  headers?: Record<string, string>;
}

/**
 * A target that sends one plain HTTP request per scheduled slot through an
 * undici Pool sized by the generator. Used for the /readyz probe of the
 * running services and for the reference servers in tests and benchmarks.
 */
/** The connection pool a scenario's requests go through, sized and timed from the scenario. */
export function loadPool(origin: string, context: TargetOpenContext): Pool {
  return new Pool(origin, {
    connections: context.connections,
    pipelining: 1,
    // The generator enforces the timeout from the intended send time; these only
    // stop a dead socket from outliving the run.
    headersTimeout: context.timeoutMs * 2,
    bodyTimeout: context.timeoutMs * 2,
    connectTimeout: Math.min(context.timeoutMs, 10_000),
    keepAliveTimeout: 60_000,
  });
}

export function httpTarget(options: HttpTargetOptions): LoadTarget {
  return {
    name: options.name,
    description: options.description,
    interim: options.interim,
    open: async (context) => openHttpSession(options, context),
  };
}

async function openHttpSession(options: HttpTargetOptions, context: TargetOpenContext): Promise<TargetSession> {
  const url = new URL(options.url);
  const pool = loadPool(url.origin, context);
  const gate = new ConnectionGate(pool, context.connections);
  const body = options.sendPayload === true ? jsonPayload(context.payloadBytes) : undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const path = `${url.pathname}${url.search}`;
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const request = (index: number): Dispatcher.DispatchOptions => ({
    path,
    method,
    // The services log this id with the request, so a slow request in the report can be found in their logs.
    headers: { ...headers, 'x-request-id': `smoke-${context.scenario}-${index}` },
    ...(body === undefined ? {} : { body }),
  });
  // One uncounted request first: connecting and the HTTP parser's first use would otherwise land on the first scheduled one.
  await exchangeWithin(pool, { ...request(-1), headers: { ...headers, 'x-request-id': `smoke-${context.scenario}-warmup` } }, context.timeoutMs);
  return {
    payloadBytes: body?.length ?? 0,
    send: (sent) => gate.exchange(request(sent.index), sent),
    queued: () => gate.queued,
    // Anything still in the pool timed out long ago (the generator waits for the rest): it is not waited for.
    close: () => pool.destroy(),
  };
}

/** A JSON body of exactly `bytes` bytes (when bytes >= 16), so the payload size is what the scenario says. */
export function jsonPayload(bytes: number): Buffer {
  const frame = '{"payload":""}';
  const fill = Math.max(0, bytes - frame.length);
  return Buffer.from(`{"payload":"${'a'.repeat(fill)}"}`);
}
