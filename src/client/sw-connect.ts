/**
 * Registers Homing's service worker with workbox-window (or finds the site's own, when Homing is
 * merged into it) and links the worker to it: the page makes a MessageChannel and hands one end to
 * each side, because a dedicated worker has no `navigator.serviceWorker` in Chromium.
 * `postMessage` on the registration's active worker wakes a stopped SW, so the same call also
 * serves the worker's relink requests after a port went silent.
 */
import { Workbox } from 'workbox-window/Workbox.js';
import { CHECKPOINT_COOKIE, formatCheckpoint } from '../shared/device-checkpoint.js';
import {
  PROTOCOL_VERSION,
  type Capture,
  type ConnectMessage,
  type FlushMessage,
  type FlushedMessage,
  type HandoffMessage,
  type PageEnvironment,
  type PrivacyInit,
} from '../shared/protocol.js';

export interface SwConnection {
  /** A fresh channel to the active service worker; the returned port is for the worker. */
  newPort(): Promise<MessagePort>;
  /** Ask the service worker to deliver now. */
  flush(reason: string, timeoutMs: number): Promise<FlushedMessage | null>;
  /** Synchronous, for `pagehide`: give the SW the calls the worker has not made durable. */
  handoff(calls: Capture[], env: PageEnvironment): void;
  /**
   * The page's part in delivery, from now on: hand the unsettled tail over when the page is
   * hidden or leaves (hidden pages are often killed without `pagehide`, and the worker may die
   * with the page; a call arriving twice is stored once), and ask the SW to deliver when the page
   * is back online, visible again, and on a timer while it is visible (Background Sync is a
   * bonus). Each message also wakes a stopped service worker.
   */
  watchPage(tail: () => Capture[], env: PageEnvironment, intervalMs: number, report: (code: 'persist-failed', detail: string) => void): void;
}

export interface SwConnectOptions {
  /** Script to register, or false when the site's own service worker imports Homing's module. */
  swUrl: string | false;
  scope: string;
  /** Sent to Homing's own SW in its URL, since a SW cannot be configured any other way before it runs. */
  collector: string;
  /** The site's write key, passed to the SW like the collector URL. */
  writeKey?: string;
  debug: boolean;
  /** Eviction priorities per event name, for the SW's storage budget. */
  priorities?: Record<string, string>;
  /** false: never use Background Sync (the fallback triggers only). */
  backgroundSync?: boolean;
  /** Ask the browser not to evict the origin's storage under pressure (`navigator.storage.persist()`). */
  persistStorage?: boolean;
  storage?: { maxEvents?: number; maxBytes?: number };
  /** The page's privacy configuration (and signals, once read): a hand-off applies it as the worker would. */
  privacy?: PrivacyInit;
}

/** 400 days: the longest a browser keeps a cookie (Chromium's cap; Safari caps script-written ones at 7). */
const CHECKPOINT_MAX_AGE_S = 400 * 24 * 60 * 60;

export async function connectServiceWorker(options: SwConnectOptions): Promise<SwConnection> {
  const container = navigator.serviceWorker;
  if (options.swUrl) {
    const url = new URL(options.swUrl, location.href);
    url.searchParams.set('collector', options.collector);
    if (options.writeKey) url.searchParams.set('writeKey', options.writeKey);
    if (options.debug) url.searchParams.set('debug', '1');
    if (options.backgroundSync === false) url.searchParams.set('sync', '0');
    if (options.priorities) url.searchParams.set('priorities', JSON.stringify(options.priorities));
    if (options.storage?.maxEvents) url.searchParams.set('maxEvents', String(options.storage.maxEvents));
    if (options.storage?.maxBytes) url.searchParams.set('maxBytes', String(options.storage.maxBytes));
    await new Workbox(url.href, { scope: options.scope }).register({ immediate: true });
  }
  const registration = await container.ready;
  if (options.persistStorage) void navigator.storage?.persist?.();

  const activeWorker = (): ServiceWorker => {
    const sw = registration.active ?? container.controller;
    if (!sw) throw new Error('sw-unavailable');
    return sw;
  };

  /**
   * The device checkpoint cookie (shared/device-checkpoint.ts), from each flush answer: written
   * while the device may be remembered (no consent configuration, or something granted), removed
   * otherwise, so it never outlives the identifiers it copies.
   */
  function remember(answer: FlushedMessage): void {
    if (answer.device === undefined) return;
    const kept = !options.privacy?.consent || Object.values(answer.consent ?? {}).some(Boolean) ? answer.device : null;
    const attributes = `; path=/; samesite=lax${location.protocol === 'https:' ? '; secure' : ''}`;
    document.cookie = kept ? `${CHECKPOINT_COOKIE}=${formatCheckpoint(kept)}; max-age=${CHECKPOINT_MAX_AGE_S}${attributes}` : `${CHECKPOINT_COOKIE}=; max-age=0${attributes}`;
  }

  const connection: SwConnection = {
    async newPort() {
      const channel = new MessageChannel();
      const msg: ConnectMessage = { v: PROTOCOL_VERSION, op: 'connect' };
      activeWorker().postMessage(msg, [channel.port2]);
      return channel.port1;
    },

    handoff(calls, env) {
      const msg: HandoffMessage = { v: PROTOCOL_VERSION, op: 'handoff', calls, env, privacy: options.privacy };
      activeWorker().postMessage(msg);
    },

    flush(reason, timeoutMs) {
      return new Promise((resolve) => {
        const channel = new MessageChannel();
        const timer = setTimeout(() => resolve(null), timeoutMs);
        channel.port1.onmessage = (event) => {
          clearTimeout(timer);
          remember(event.data as FlushedMessage);
          resolve(event.data as FlushedMessage);
        };
        const msg: FlushMessage = { v: PROTOCOL_VERSION, op: 'flush', reason };
        activeWorker().postMessage(msg, [channel.port2]);
      });
    },

    watchPage(tail, env, intervalMs, report) {
      const kick = (reason: string) => void connection.flush(reason, 5_000);
      const leaving = () => {
        try {
          const calls = tail();
          if (calls.length > 0) connection.handoff(calls, env);
        } catch (err) {
          report('persist-failed', `hand-off: ${String(err)}`);
        }
        // Its answer refreshes the device checkpoint once the tail is stored (a hidden page usually
        // lives on long enough; the timer below keeps it fresh while the page is visible).
        kick('hidden');
      };
      addEventListener('pagehide', leaving);
      document.addEventListener('visibilitychange', () => (document.visibilityState === 'hidden' ? leaving() : kick('visible')));
      addEventListener('online', () => kick('online'));
      setInterval(() => document.visibilityState === 'visible' && kick('timer'), intervalMs);
    },
  };
  return connection;
}
