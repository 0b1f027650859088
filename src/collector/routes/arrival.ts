/**
 * The facts of an event request that every event route records the same way: when it arrived, the
 * client's clock, the channel its sender's key (or library) puts it on, the client's IP, and the
 * key's convention policy.
 */
import type { FastifyRequest } from 'fastify';
import type { Channel } from '../../shared/event.js';
import type { Sender } from '../auth.js';
import { APP_LIBRARIES, libraryName } from '../libraries.js';
import type { Arrival } from '../normalize.js';
import type { RouteDeps } from './deps.js';

export function arrivalOf(deps: RouteDeps, request: FastifyRequest, sender: Sender, sentAt: number | null, items: readonly unknown[]): Arrival {
  const arrival: Arrival = {
    receivedAt: deps.now(),
    batchSentAt: sentAt,
    channel: sender.server ? 'server' : publicChannel(items),
    ip: deps.clientIp(request),
  };
  if (sender.server) arrival.senderIp = deps.senderIp;
  if (sender.key) {
    arrival.keyId = sender.key.id;
    if (sender.key.policy !== undefined) arrival.keyPolicy = sender.key.policy;
  }
  return arrival;
}

/**
 * `app` when the request comes from one of Segment's mobile libraries (by its first event: a
 * library sends its own events in a request), else `browser`. Only a server key makes `server`.
 */
function publicChannel(items: readonly unknown[]): Channel {
  const first = items[0];
  return typeof first === 'object' && first !== null && APP_LIBRARIES.has(libraryName(first)) ? 'app' : 'browser';
}
