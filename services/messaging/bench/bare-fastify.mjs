// The baseline for the 1 KiB send benchmark: Fastify with one POST route that
// parses the same JSON body and answers 201, with nothing else in the way.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
app.post('/bare', async (request, reply) => reply.status(201).send({ ok: true, size: JSON.stringify(request.body).length }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${address}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
