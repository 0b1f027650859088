/**
 * Demo only, never for production: `--demo-controls` adds a switch that makes this collector
 * behave as if it were down, so a person watching the demo shop sees events pile up in the
 * browser's outbox and drain when it comes back.
 *
 *   GET  /demo/outage                  → { down, since, refused }
 *   POST /demo/outage {"down": true}   → the same, after switching
 *
 * While down, every ingest route answers 503 with `Retry-After`: the answer a real collector gives
 * when its store is overloaded (ingest.ts), which the SDK already treats as "unknown outcome: keep
 * the events and resend later". Nothing is stored or read meanwhile, so what the test and the
 * panel see is the SDK's own behaviour, not a special path. The switch has no key: anyone who can
 * reach the collector could stop its ingest, which is why it is off unless the flag is given. It
 * is a cross-origin route like the event routes (cors.ts), so only a site `--origins` allows can
 * switch it from a page.
 *
 * A demo outage is wanted, not a failure: it is logged once when it starts and once when it ends
 * (with how many requests it refused), at info, and its 503s are not logged one by one as the
 * collector's errors are.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { errorBody, HttpError } from '../http-error.js';

export const OUTAGE_PATH = '/demo/outage';

/** Seconds a client is asked to wait: short, so the drain shows within a moment of switching back. */
export const OUTAGE_RETRY_AFTER_S = 2;

const DOWN_ANSWER = errorBody('collector-down', 'the collector is switched off (demo outage); resend later');

export interface OutageState {
  down: boolean;
  /** Epoch ms of the last switch, or null if it was never switched. */
  since: number | null;
  /**
   * Ingest requests refused with 503 during this outage, or during the last one once it is over:
   * what the shop's panel shows next to the switch. Back to 0 when the next outage starts.
   */
  refused: number;
}

/**
 * Registers the switch and returns the hook that enforces it, for the ingest plugin to add to the
 * encapsulation context of its event routes (routes/ingest-plugin.ts): the hook sees those routes
 * and no others, whatever order they are added in.
 */
export function registerDemoControls(app: FastifyInstance, now: () => number): preHandlerAsyncHookHandler {
  const state: OutageState = { down: false, since: null, refused: 0 };

  // preHandler runs after the origin check and the CORS plugin, so a page can read the 503 and its
  // Retry-After (exposed by cors.ts), exactly as it would read a real overload answer. Answered
  // here rather than thrown: the error handler would log each one as a failure, with a stack.
  const outageHook: preHandlerAsyncHookHandler = async (_request, reply) => {
    if (!state.down) return;
    state.refused++;
    return reply.code(503).header('retry-after', String(OUTAGE_RETRY_AFTER_S)).send(DOWN_ANSWER);
  };

  const crossOrigin = { config: { crossOrigin: 'check' as const } };

  app.get(OUTAGE_PATH, crossOrigin, async (): Promise<OutageState> => ({ ...state }));

  app.post(OUTAGE_PATH, crossOrigin, async (request): Promise<OutageState> => {
    const body = request.body as { down?: unknown } | null | undefined;
    const down = typeof body === 'object' && body !== null ? body.down : undefined;
    if (typeof down !== 'boolean') throw new HttpError(400, 'invalid-body', 'expected a JSON body {"down": true} or {"down": false}');
    if (down !== state.down) {
      state.down = down;
      state.since = now();
      if (down) {
        state.refused = 0;
        request.log.info('demo outage started: ingest answers 503 until it is switched back');
      } else {
        request.log.info({ refused: state.refused }, 'demo outage over: ingest accepts events again');
      }
    }
    return { ...state };
  });
  return outageHook;
}
