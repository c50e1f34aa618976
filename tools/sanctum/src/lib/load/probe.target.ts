import { httpTarget } from './http.target.js';
import type { LoadTarget, ServiceUrls } from './load-target.contract.js';

/**
 * `--target readyz`: a GET of Messaging's /readyz (which runs its database
 * check) per request, with no payload. It measures the process, HTTP stack and
 * database round trip without the send path's work, which helps to tell the
 * platform's floor from the cost of a send; it is labelled as a probe
 * everywhere it is reported so nobody mistakes it for the send path.
 */
export function readyzProbeTarget(urls: ServiceUrls): LoadTarget {
  return httpTarget({
    name: 'readyz-probe',
    description: 'GET /readyz on Messaging (its database check), no payload; a probe, not the send path',
    interim: true,
    url: new URL('/readyz', urls.messaging).href,
  });
}
