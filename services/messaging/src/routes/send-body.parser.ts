import { AppError } from '@sanctum/kernel';
import type { FastifyInstance } from 'fastify';

/**
 * A JSON body parser for the send routes: plain `JSON.parse`, without the
 * prototype-poisoning scan of Fastify's default parser (secure-json-parse),
 * which runs two regular expressions over the whole text — 87 KB of
 * base64url for a 64 KiB ciphertext, about 8 % of a send's CPU time.
 *
 * Safe only because the send body has a fixed shape checked by a schema with
 * `additionalProperties: false` at every level: `JSON.parse` makes a
 * `"__proto__"` or `"constructor"` key an ordinary own property (it never
 * touches the prototype), and the schema then refuses it as an unknown field
 * before any code reads the body. Install it only in a scope whose routes all
 * have such a schema.
 *
 * @example
 * await app.register(async (scope) => { installPlainJsonParser(scope); scope.post(...); });
 */
export function installPlainJsonParser(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new AppError('REQ_INVALID_JSON', 'Body must not be empty when content-type is application/json', 400), undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      done(new AppError('REQ_INVALID_JSON', 'Body is not valid JSON', 400), undefined);
      return;
    }
    done(null, value);
  });
}
