/**
 * The service worker's behaviour as plain handler functions, separate from the listeners that
 * `install.ts` registers, so unit tests can call them without a ServiceWorkerGlobalScope and a site
 * can wire them into its own service worker.
 */
import { PROTOCOL_VERSION, type FlushedMessage, type FlushResult, type HandoffMessage, type PageToSw, type PersistAck, type WorkerToSw } from '../shared/protocol.js';
import type { ErrorReporter } from '../shared/errors.js';
import type { Deliverer } from '../outbox/deliver.js';
import type { Persist } from '../outbox/persist.js';

export interface SwRuntimeDeps {
  /** Stores events within the storage budget. */
  persist: Persist;
  deliverer: Deliverer;
  /** Asks the browser for a Background Sync (where there is one) so delivery resumes later. */
  registerSync?: () => Promise<void>;
  isOnline?: () => boolean;
  /** Stores the unacknowledged calls of a closing page. */
  handoff: (msg: HandoffMessage) => Promise<number>;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** Called for every failure that does not reach a caller. */
  onError?: ErrorReporter;
  /** The device and its consent, told to the page with each flush answer (its checkpoint cookie). */
  device?: () => Promise<Pick<FlushedMessage, 'device' | 'consent'>>;
}

export interface SwRuntime {
  /** A message from a page (`controller.postMessage` / `registration.active.postMessage`). */
  handlePageMessage(data: unknown, ports: readonly MessagePort[]): Promise<void>;
  /** Serves persist requests arriving on a port whose other end a worker holds. */
  attachPort(port: MessagePort): void;
  /** Deliver now, and plan the next try if something is left. */
  flush(reason: string): Promise<FlushResult>;
}

function isPageMessage(data: unknown): data is PageToSw {
  return typeof data === 'object' && data !== null && (data as { v?: unknown }).v === PROTOCOL_VERSION;
}

export function createSwRuntime(deps: SwRuntimeDeps): SwRuntime {
  const { deliverer } = deps;
  let retryTimer: unknown = null;

  /**
   * While the SW is alive, come back after the backoff; Background Sync (Chromium), SW start and
   * the page's triggers cover the time after it.
   */
  function planRetry(result: FlushResult): void {
    if (retryTimer !== null) deps.clearTimeout(retryTimer);
    retryTimer = null;
    if (result.pending === 0) return;
    void deps.registerSync?.();
    const wait = Math.max(0, deliverer.retryAt() - deps.now());
    retryTimer = deps.setTimeout(() => {
      retryTimer = null;
      void flush('retry');
    }, wait);
  }

  async function flush(reason: string): Promise<FlushResult> {
    const result = await deliverer.flush(reason);
    planRetry(result);
    return result;
  }

  async function persist(msg: WorkerToSw, port: MessagePort): Promise<void> {
    let ack: PersistAck;
    try {
      const stored = await deps.persist(msg.events, msg.dropped, msg.gates, msg.calls);
      ack = { v: PROTOCOL_VERSION, op: 'ack', id: msg.id, ok: true, stored };
    } catch (err) {
      deps.onError?.('persist-failed', String(err));
      ack = { v: PROTOCOL_VERSION, op: 'ack', id: msg.id, ok: false, stored: 0, error: String(err) };
    }
    port.postMessage(ack);
    // Offline, a Background Sync registered now is held until the network is back, then wakes a
    // SW to deliver even with no page of the site open (docs/browser-facts.md "Background Sync",
    // "Browser restarts"). Online it would fire at once, in the middle of this delivery, so it is
    // only registered after a failed one.
    if (ack.ok && deps.isOnline && !deps.isOnline()) void deps.registerSync?.();
    // Deliver unless a backoff is running; the collector is down and the timer will come back.
    if (ack.ok && deliverer.retryAt() <= deps.now()) void flush('persist');
  }

  return {
    async handlePageMessage(data, ports) {
      if (!isPageMessage(data)) return;
      if (data.op === 'connect' && ports[0]) {
        this.attachPort(ports[0]);
        await flush('connect');
      } else if (data.op === 'handoff') {
        try {
          await deps.handoff(data);
        } catch (err) {
          deps.onError?.('persist-failed', `handoff: ${String(err)}`);
        }
        if (deliverer.retryAt() <= deps.now()) await flush('handoff');
      } else if (data.op === 'flush') {
        const result = await flush(data.reason);
        const device = await deps.device?.().catch(() => undefined);
        const answer: FlushedMessage = { v: PROTOCOL_VERSION, op: 'flushed', ...result, ...device };
        ports[0]?.postMessage(answer);
      }
    },

    attachPort(port) {
      port.onmessage = (event: MessageEvent) => {
        const msg = event.data as WorkerToSw;
        if (msg?.v === PROTOCOL_VERSION && msg.op === 'persist') void persist(msg, port);
      };
    },

    flush,
  };
}
