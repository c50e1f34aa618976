// A reference HTTP server with known behaviour, for the smoke generator's
// tests and benchmarks (plain Node, no build). It listens on 127.0.0.1 and
// prints one JSON line: {"port": n, "epochMs": t}. Modes:
//   fast                         answer 200 at once
//   stall --stall-every-ms 5000 --stall-ms 1000
//                                freeze: nothing is answered during the first
//                                stall-ms of every stall-every-ms cycle
//                                (counted from epochMs); what arrives then is
//                                answered when the freeze ends
//   fail --fail-every 20         answer 500 to every 20th request (exactly 5%)
//   hang                         never answer
// Every request carrying an x-request-id is remembered with the wall-clock
// time its answer was written; GET /__answers returns them as {id: ms}, an
// independent record of when each request was really answered.
// Usage: node reference-server.mjs <mode> [--port n] [options]
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const [mode = 'fast', ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const at = rest.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(rest[at + 1]);
};
const stallEveryMs = option('stall-every-ms', 5000);
const stallMs = option('stall-ms', 1000);
const failEvery = option('fail-every', 20);
const epochMs = Date.now();
let served = 0;
const answeredAt = new Map();
const now = () => performance.timeOrigin + performance.now();

const BODY = '{"status":"ok"}';

function answer(request, response, status) {
  const id = request.headers['x-request-id'];
  if (typeof id === 'string') answeredAt.set(id, now());
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': BODY.length });
  response.end(BODY);
}

const server = createServer((request, response) => {
  // Read the whole body first, as a real service would.
  request.resume();
  request.on('end', () => {
    if (request.url === '/__answers') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify(Object.fromEntries(answeredAt)));
    }
    served += 1;
    if (mode === 'hang') return;
    if (mode === 'fail' && served % failEvery === 0) return answer(request, response, 500);
    if (mode === 'stall') {
      const phase = (Date.now() - epochMs) % stallEveryMs;
      if (phase < stallMs) {
        setTimeout(() => answer(request, response, 200), stallMs - phase);
        return;
      }
    }
    answer(request, response, 200);
  });
});
server.keepAliveTimeout = 65_000;
server.maxRequestsPerSocket = 0;
server.listen(option('port', 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, epochMs, mode })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
