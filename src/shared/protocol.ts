/**
 * Every message that crosses a context boundary: page ↔ worker (comlink), worker ↔ service worker
 * (a MessagePort the page hands to both), page → service worker (controller.postMessage).
 * Types and one constant only. Our own messages carry `op`, never `type`, because comlink's
 * `expose` listens on the same global and claims messages that have a `type` (browser-recipes Q2).
 */
import type { PageContext, Properties, EventType, WireEvent } from './event.js';

export const PROTOCOL_VERSION = 1;

/** One call captured on the main thread: the page mints the id and the time, nothing more. */
export interface Capture {
  type: EventType;
  messageId: string;
  /** Epoch ms at capture. */
  ts: number;
  event?: string;
  name?: string;
  properties?: Properties;
  traits?: Properties;
  userId?: string;
  previousId?: string;
  groupId?: string;
  /** The page as it was when the call was made (the worker cannot see `location`). */
  page: PageContext;
}

/** Facts only the page can know, sent once when the worker starts. */
export interface PageEnvironment {
  userAgent: string;
  locale: string;
  timezone: string;
  screen: { width: number; height: number; density: number };
}

/** Worker → service worker: persist these events; answered by a `PersistAck` with the same `id`. */
export interface PersistMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'persist';
  id: number;
  events: WireEvent[];
}

/** Service worker → worker: the events of request `id` are committed to IndexedDB (or not). */
export interface PersistAck {
  v: typeof PROTOCOL_VERSION;
  op: 'ack';
  id: number;
  ok: boolean;
  /** How many events were new (a resend after a lost ack stores nothing twice). */
  stored: number;
  error?: string;
}

/** Page → service worker, with the port whose other end the worker holds. */
export interface ConnectMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'connect';
}

/** Page → service worker: try delivering now (online, visible, explicit flush). */
export interface FlushMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'flush';
  reason: string;
}

/** Service worker → page (answer on the port transferred with a FlushMessage). */
export interface FlushResult {
  v: typeof PROTOCOL_VERSION;
  op: 'flushed';
  delivered: number;
  pending: number;
}

export type WorkerToSw = PersistMessage;
export type SwToWorker = PersistAck;
export type PageToSw = ConnectMessage | FlushMessage;

/** Counters the worker keeps; `stats()` returns them merged with the page's own. */
export interface WorkerStats {
  received: number;
  persisted: number;
  pending: number;
  relinks: number;
  errors: Record<string, number>;
}

/**
 * What the worker exposes through comlink. Generic over the port type because shared code sees no
 * platform library; the client and the worker both instantiate it with their `MessagePort`.
 */
export interface WorkerApi<Port> {
  /** `requestLink` is a comlink proxy: the worker calls it when its port to the SW went silent. */
  init(config: WorkerInit, requestLink: () => void): void;
  /** Resolves with how many of the calls are now durable (committed to IndexedDB): all of them. */
  capture(calls: Capture[]): Promise<number>;
  /** A fresh port to the service worker; the old one may be dead (the SW stopped). */
  link(port: Port | null): void;
  stats(): WorkerStats;
}

export interface WorkerInit {
  v: typeof PROTOCOL_VERSION;
  collector: string;
  env: PageEnvironment;
  /** Whether a service worker will ever answer; if not, the worker keeps and delivers events itself. */
  serviceWorker: boolean;
  debug: boolean;
}
