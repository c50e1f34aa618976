import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

/** A named dependency check for /readyz; it rejects when the dependency is unusable. */
export type ReadyCheck = () => Promise<void>;

const READY_CHECK_TIMEOUT_MS = 2000;

const HealthResponse = Type.Object({ status: Type.Literal('ok'), service: Type.String() });
const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Type.String()),
});

async function runCheck(check: ReadyCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error('timed out'));
    }, READY_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz` says the process is up; `/readyz` says it can do its job (every
 * dependency answered) and is what a load balancer should route by.
 */
export function installHealthRoutes(app: FastifyInstance, service: string, checks: Record<string, ReadyCheck>): void {
  app.get(
    '/healthz',
    { config: { rateLimit: false }, schema: { tags: ['health'], response: { 200: HealthResponse } } },
    async () => ({ status: 'ok' as const, service }),
  );
  app.get(
    '/readyz',
    { config: { rateLimit: false }, schema: { tags: ['health'], response: { 200: ReadyResponse, 503: ReadyResponse } } },
    async (_request, reply) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const),
      );
      const report = Object.fromEntries(results);
      const ready = results.every(([, outcome]) => outcome === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: report });
    },
  );
}
