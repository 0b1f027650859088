/**
 * `GET /healthz`: answers once the process is up and its routes are registered. Test harnesses and
 * orchestrators poll it before sending traffic.
 */
import type { FastifyInstance } from 'fastify';

export function registerHealthRoute(app: FastifyInstance): void {
  app.get('/healthz', async () => ({ ok: true }));
}
