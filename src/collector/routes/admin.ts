/**
 * Behind the admin key (`Authorization: Bearer <key>`):
 *
 * - `DELETE /v1/users/:id`: erases a user (EventStore.eraseUser says exactly what goes) and
 *   answers what was removed, `{ userId, events, anonymousIds, profiles, manifests }`.
 * - `GET /v1/stats`: the collector's counters since it started (what it dropped, refused,
 *   throttled) and how many keys of each kind are loaded.
 *
 * Neither is meant for a browser page: they are not cross-origin routes (cors.ts: no CORS headers,
 * no preflight, so no other site's page can call or read them), and the key would have to sit in
 * the page.
 */
import type { FastifyInstance } from 'fastify';
import { requireKey } from '../auth.js';
import { HttpError } from '../http-error.js';
import type { ErasureResult } from '../store/store.js';
import type { RouteDeps } from './deps.js';

export interface ErasureAnswer extends ErasureResult {
  userId: string;
}

export function registerAdminRoutes(app: FastifyInstance, deps: RouteDeps, startedAt: number): void {
  app.delete<{ Params: { id: string } }>('/v1/users/:id', async (request): Promise<ErasureAnswer> => {
    requireKey(deps, request, 'admin');
    const userId = request.params.id;
    if (userId === '' || userId.length > 200) throw new HttpError(400, 'invalid-user-id', 'the user id must be 1 to 200 characters');
    let result: ErasureResult;
    try {
      result = await deps.store.eraseUser(userId);
    } catch (err) {
      request.log.error({ err }, 'erasure failed');
      throw new HttpError(503, 'store-unavailable', 'the erasure did not happen; retry later', { 'retry-after': '5' });
    }
    // The id itself is not logged: the log would otherwise keep what was just erased.
    request.log.info({ ...result }, 'user erased');
    return { userId, ...result };
  });

  app.get('/v1/stats', async (request) => {
    requireKey(deps, request, 'admin');
    return {
      uptimeSeconds: Math.round((deps.now() - startedAt) / 1000),
      counters: deps.counters,
      keys: { write: deps.keys.count('write'), s2s: deps.keys.count('s2s'), admin: deps.keys.count('admin') },
    };
  });
}
