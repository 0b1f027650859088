/**
 * What Segment's client libraries fetch besides sending events, so they can be pointed at the
 * collector alone:
 *
 * - `GET /v1/projects/:writeKey/settings`: the source settings analytics-next (`cdnURL`) and the
 *   mobile libraries (`cdnHost`) load before sending. The answer names the collector itself as the
 *   `Segment.io` destination's host, as this request reached it (Host and protocol, through
 *   `--trusted-proxies` when there are any), so a library told only where the collector is sends
 *   its events there. A cached or fetched setting overrides a mobile app's configured host: serving
 *   this is what keeps the app's events coming here. Remote metrics are set to 0 so that
 *   analytics-next does not post its own usage counters.
 * - `POST /v1/m`: where analytics-next posts those usage counters if an app's own settings leave
 *   them on. Accepted and discarded (204): they are the library's telemetry, not events.
 *
 * Settings are public in Segment (served from a CDN to every page); here they hold nothing but the
 * collector's address. Once write keys are configured, only a configured write key gets them.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from './deps.js';
import { errorBody } from '../http-error.js';

export const SETTINGS_PATH = '/v1/projects/:writeKey/settings';
export const METRICS_PATH = '/v1/m';

export function registerSegmentSettingsRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get<{ Params: { writeKey: string } }>(SETTINGS_PATH, { config: { crossOrigin: 'check' } }, async (request, reply) => {
    const { writeKey } = request.params;
    if (deps.keys.has('write') && deps.keys.find(writeKey)?.kind !== 'write') {
      return reply.code(404).send(errorBody('not-found', 'no source with this write key'));
    }
    return {
      integrations: {
        'Segment.io': { apiKey: writeKey, apiHost: `${request.host}/v1`, protocol: request.protocol },
      },
      plan: {},
      metrics: { sampleRate: 0 },
      remotePlugins: [],
    };
  });
  app.post(METRICS_PATH, { config: { crossOrigin: 'check' } }, async (_request, reply) => reply.code(204).send());
}
