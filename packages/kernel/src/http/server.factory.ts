import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { DestinationStream } from 'pino';
import type { ServiceConfig } from '../config/base.config.js';
import { AppError } from '../errors/app-error.js';
import { installErrorHandler } from '../errors/error-handler.js';
import { loggerOptions } from '../logging/logger.js';
import { installHealthRoutes } from './health.routes.js';
import type { ReadyCheck } from './health.routes.js';
import { installMetrics } from './metrics.plugin.js';
import { requestIdFrom } from './request-id.js';
import { installResponseHeaders } from './security-headers.js';

const REQUEST_ID_LABEL = 'requestId';

/**
 * One log line per request (on completion) instead of Fastify's two, and none
 * for probes and scrapes, which would drown everything else.
 *
 * The line goes through `lines`, a twin of the app logger without redaction:
 * its fields are fixed and primitive, so no redaction path can match them, and
 * pino's redaction was half the cost of writing it. It carries the request id
 * itself and so reads exactly as the request's child logger would write it.
 */
class QuietRequestLogs extends LogController {
  constructor(private readonly lines: FastifyBaseLogger | undefined) {
    super({ requestIdLogLabel: REQUEST_ID_LABEL });
  }

  override incomingRequest(): void {
    // The completion line carries everything worth keeping.
  }

  override isLogDisabled(request: FastifyRequest): boolean {
    const path = request.url;
    return path === '/healthz' || path === '/readyz' || path === '/metrics';
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      [REQUEST_ID_LABEL]: request.id,
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    (this.lines ?? request.log).info(line, error ? 'request failed' : 'request completed');
  }
}

/** Log lines are written once this many bytes are buffered (sonic-boom requires less than its 16 KiB write size)… */
const LOG_BUFFER_BYTES = 8 * 1024;
/** …or this often, whichever comes first. */
const LOG_FLUSH_MS = 100;

/** A Fastify instance whose route schemas are TypeBox schemas with static types. */
export type SanctumApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  /** Short service name: `auth`, `directory`, `messaging`. */
  service: string;
  /** One-line description for the OpenAPI document. */
  description: string;
  config: ServiceConfig;
  /** Named checks behind /readyz (database, Redis, …). */
  readyChecks?: Record<string, ReadyCheck>;
  /** Shared rate-limit counters across instances when Redis is configured. */
  redis?: Redis | undefined;
  /** `false` silences logs (tests); default: JSON logs at the configured level. */
  logger?: boolean;
  /** Where log lines go instead of stdout (tests capture them). */
  loggerDestination?: DestinationStream;
  /** Extra OpenAPI security schemes / tags, when the service has authenticated routes. */
  bearerAuth?: boolean;
}

/**
 * Builds the Fastify instance every Sanctum service starts from: JSON logs with
 * request ids, strict schema validation (unknown fields rejected), the common
 * error shape, security headers, CORS, body limits, rate limits, /healthz,
 * /readyz, /metrics, /openapi.json and /docs. The service then adds its routes.
 *
 * @example
 * const app = await createServer({ service: 'auth', description: 'Accounts and tokens', config });
 * app.post('/v1/things', { schema: { body: ThingBody } }, handler);
 */
export async function createServer(options: ServerOptions): Promise<SanctumApp> {
  const { config } = options;
  // Logs go out through an asynchronous, buffered destination. A synchronous write per request line
  // blocked the event loop under load; an asynchronous write per line cost a thread-pool round trip
  // (two thread wake-ups) per request. Lines are gathered up to LOG_BUFFER_BYTES and written at least
  // every LOG_FLUSH_MS, so a supervisor waiting for "Server listening at" sees it within that time;
  // pino flushes synchronously on exit, and the app flushes when it closes.
  const destination =
    options.logger === false
      ? undefined
      : (options.loggerDestination ?? pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS }));
  const logOptions = loggerOptions(options.service, config.LOG_LEVEL);
  const logging =
    destination === undefined ? { logger: false } : { loggerInstance: pino(logOptions, destination) as FastifyBaseLogger };
  const requestLines =
    destination === undefined ? undefined : (pino({ ...logOptions, redact: undefined }, destination) as FastifyBaseLogger);
  const app = Fastify({
    ...logging,
    genReqId: requestIdFrom,
    logController: new QuietRequestLogs(requestLines),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    return503OnClosing: true,
    ajv: {
      // Reject unknown fields instead of silently dropping them; coerce only query strings.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installResponseHeaders(app, { contentSecurityPolicy: false });
  installErrorHandler(app);

  const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter((o) => o.length > 0);
  await app.register(cors, {
    origin: origins.length === 0 ? false : origins,
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after', 'etag'],
  });
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    ...(options.redis === undefined ? {} : { redis: options.redis, nameSpace: `sanctum-${options.service}-rl-`, skipOnError: true }),
    errorResponseBuilder: (_request, context) =>
      new AppError('REQ_RATE_LIMITED', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, 429),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `Sanctum ${options.service}`, description: options.description, version: '0.1.0' },
      ...(options.bearerAuth === true
        ? { components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } } }
        : {}),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json' } });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());

  installMetrics(app, options.service);
  installHealthRoutes(app, options.service, options.readyChecks ?? {});
  app.addHook('onClose', async () => {
    (destination as { flushSync?: () => void } | undefined)?.flushSync?.();
  });
  return app;
}
