import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody } from './app-error.js';

/**
 * Fastify's own errors that are the client's fault, mapped to stable codes.
 * Everything not listed here and not an AppError is a bug: logged, answered 500.
 */
const FRAMEWORK_ERRORS: Record<string, { code: string; status: number; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'REQ_BODY_TOO_LARGE', status: 413, message: 'Request body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'REQ_UNSUPPORTED_MEDIA_TYPE', status: 415, message: 'Unsupported content type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'REQ_INVALID_JSON', status: 400, message: 'Body must not be empty when content-type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'REQ_INVALID_JSON', status: 400, message: 'Body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'REQ_INVALID_CONTENT_LENGTH', status: 400, message: 'Content-Length does not match the body' },
};

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Installs the one error handler and the not-found handler that every service uses.
 * Answers always have the shape `{"error":{"code","message"}}`.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    void reply.status(404).send(errorBody('REQ_NOT_FOUND', `Route ${request.method} ${request.url} not found`));
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    if (isFastifyError(error) && error.validation) {
      return reply.status(400).send(
        errorBody('REQ_VALIDATION_FAILED', error.message, {
          issues: error.validation.map((issue) => ({ path: issue.instancePath, message: issue.message ?? 'invalid' })),
        }),
      );
    }
    if (isFastifyError(error)) {
      const known = FRAMEWORK_ERRORS[error.code];
      if (known) return reply.status(known.status).send(errorBody(known.code, known.message));
      // Other 4xx raised by plugins (for example a malformed header) stay client errors.
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return reply.status(error.statusCode).send(errorBody('REQ_BAD_REQUEST', error.message));
      }
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('SRV_INTERNAL', 'Internal server error'));
  });
}
