import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

/**
 * What `main.ts` of every service calls after building its app: listen, log
 * where, and on SIGTERM/SIGINT stop accepting, let in-flight requests finish,
 * then run the app's onClose hooks (sockets, bus, database). A second signal or
 * the timeout forces the exit.
 *
 * @example
 * await runService(await buildApp(deps), { host: config.HOST, port: config.PORT, shutdownTimeoutMs: 10_000 });
 */
export async function runService(
  app: FastifyInstance,
  options: { host: string; port: number; shutdownTimeoutMs: number },
): Promise<string> {
  closeWithGrace({ delay: options.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  return app.listen({ host: options.host, port: options.port });
}
