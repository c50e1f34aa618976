import { httpTarget } from './http.target.js';
import type { LoadTarget, ServiceUrls } from './load-target.contract.js';

/**
 * The stand-in target until Messaging has its send route: a GET of Messaging's
 * /readyz (which runs its database check) per request, with no payload. It
 * exercises the real process, HTTP stack and database, but it is labelled
 * interim everywhere it is reported so nobody mistakes it for the send path.
 */
export function interimReadyzTarget(urls: ServiceUrls): LoadTarget {
  return httpTarget({
    name: 'interim-readyz',
    description: 'GET /readyz on Messaging (its database check), no payload; stands in for the send path until Messaging has one',
    interim: true,
    url: new URL('/readyz', urls.messaging).href,
  });
}
