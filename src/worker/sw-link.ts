/**
 * The worker's end of the port to the service worker. A port to a stopped SW dies silently: no
 * error, no close event, messages vanish (docs/browser-facts.md "Workers and ports", comlink issue #637). So every persist
 * request waits for an ack with a timeout; on timeout the link is declared dead, the page is asked
 * for a new port (its postMessage to the SW wakes it), and every unacknowledged request is sent
 * again. Resending is safe: the outbox stores a messageId once.
 */
import { PROTOCOL_VERSION, type CallNumbers, type Gate, type PersistAck, type PersistItem, type PersistMessage } from '../shared/protocol.js';


export interface SwLink {
  /** Resolves with how many events were new once the SW committed them; rejects if it could not. */
  persist(items: PersistItem[], dropped?: Record<string, number>, gates?: Record<string, Gate>, calls?: CallNumbers): Promise<number>;
  /** A new port from the page (after `requestLink`, or at start). */
  attach(port: MessagePort): void;
  relinks(): number;
  /** Gives up on the service worker: every unacknowledged request rejects with `sw-unavailable`. */
  abandon(): void;
}

export interface SwLinkDeps {
  /** Ask the page for a fresh port; it calls `attach` with it. */
  requestLink: () => void;
  ackTimeoutMs: number;
  /** The timeout doubles after each consecutive miss (a cold SW under load can be slow), up to this. */
  maxAckTimeoutMs: number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  onTimeout?: () => void;
}

interface Pending {
  msg: PersistMessage;
  resolve: (stored: number) => void;
  reject: (err: Error) => void;
}

export function createSwLink(deps: SwLinkDeps): SwLink {
  const pending = new Map<number, Pending>();
  let port: MessagePort | null = null;
  let nextId = 1;
  let timer: unknown = null;
  let timeoutMs = deps.ackTimeoutMs;
  let linkRequested = false;
  let relinks = 0;

  function arm(): void {
    if (timer !== null || pending.size === 0 || !port) return;
    timer = deps.setTimeout(onTimeout, timeoutMs);
  }

  function disarm(): void {
    if (timer !== null) deps.clearTimeout(timer);
    timer = null;
  }

  function onTimeout(): void {
    timer = null;
    if (pending.size === 0) return;
    deps.onTimeout?.();
    if (port) port.onmessage = null;
    port = null;
    relinks++;
    timeoutMs = Math.min(timeoutMs * 2, deps.maxAckTimeoutMs);
    askForLink();
  }

  function askForLink(): void {
    if (linkRequested) return;
    linkRequested = true;
    deps.requestLink();
  }

  function onAck(event: MessageEvent): void {
    const ack = event.data as PersistAck;
    if (ack?.v !== PROTOCOL_VERSION || ack.op !== 'ack') return;
    const entry = pending.get(ack.id);
    if (!entry) return; // an ack for a request already settled through an earlier port
    pending.delete(ack.id);
    timeoutMs = deps.ackTimeoutMs;
    disarm();
    arm();
    if (ack.ok) entry.resolve(ack.stored);
    else entry.reject(new Error(ack.error ?? 'persist-failed'));
  }

  return {
    persist(events, dropped, gates, calls) {
      return new Promise<number>((resolve, reject) => {
        const msg: PersistMessage = { v: PROTOCOL_VERSION, op: 'persist', id: nextId++, events };
        if (dropped && Object.keys(dropped).length > 0) msg.dropped = dropped;
        if (gates) msg.gates = gates;
        if (calls) msg.calls = calls;
        pending.set(msg.id, { msg, resolve, reject });
        if (port) {
          port.postMessage(msg);
          arm();
        } else {
          askForLink();
        }
      });
    },

    attach(next) {
      if (port) port.onmessage = null;
      port = next;
      linkRequested = false;
      port.onmessage = onAck;
      disarm();
      for (const entry of pending.values()) port.postMessage(entry.msg);
      arm();
    },

    relinks: () => relinks,

    abandon() {
      disarm();
      if (port) port.onmessage = null;
      port = null;
      for (const entry of pending.values()) entry.reject(new Error('sw-unavailable'));
      pending.clear();
    },
  };
}
