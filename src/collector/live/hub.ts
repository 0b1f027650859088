/**
 * The live view's fan-out: one listener on the ingest observers (added when the first client
 * connects, removed when the last one leaves, so ingest builds nothing while nobody watches) feeding
 * a bounded queue per client.
 *
 * Ingest never waits for a reader. The listener only stashes the request's outcome; turning it into
 * messages, filtering and writing happen on a later turn of the event loop (`defer`). A client
 * whose socket is full stops being written to until it drains; meanwhile its queue keeps the newest
 * `queueCapacity` messages, drops the oldest, and the client is told how many it missed
 * (`event: dropped`). Memory stays bounded at `maxClients × queueCapacity` messages of at most ~4 KB.
 *
 * Per collector process: a client sees the events this process ingested, not those of other
 * processes behind the same load balancer.
 */
import type { IngestObservers, IngestOutcome } from '../observe.js';
import { matchesLiveFilter, type LiveFilter } from './filter.js';
import { liveEventJson, toLiveEvents } from './live-event.js';
import { createDropOldestQueue, type DropOldestQueue } from './queue.js';
import { sseComment, sseMessage, sseRetry } from './sse.js';

/** The connection, as the hub sees it. */
export interface LiveSink {
  /** Writes a chunk; false when the socket's buffer is full: write no more until `onceDrained`. */
  write(chunk: string): boolean;
  onceDrained(callback: () => void): void;
  end(): void;
}

export interface LiveHubOptions {
  observers: IngestObservers;
  maxClients: number;
  /** Messages kept per client while its socket is full. */
  queueCapacity: number;
  heartbeatMs: number;
  /** Runs work after the current request's turn; setImmediate by default. */
  defer?: (work: () => void) => void;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export type LiveConnect = { ok: true; disconnect: () => void } | { ok: false; reason: 'full' | 'closed' };

export interface LiveHub {
  connect(filter: LiveFilter, sink: LiveSink): LiveConnect;
  /** Ends every stream and refuses new ones: the server is shutting down. */
  closeAll(): void;
  readonly clients: number;
}

/** Most bytes handed to one socket write: enough to batch a burst, small next to the queue bound. */
const MAX_CHUNK_CHARS = 64 * 1024;

interface Client {
  filter: LiveFilter;
  sink: LiveSink;
  queue: DropOldestQueue<string>;
  draining: boolean;
}

export function createLiveHub(options: LiveHubOptions): LiveHub {
  const { observers, maxClients, queueCapacity, heartbeatMs } = options;
  const defer = options.defer ?? ((work: () => void) => void setImmediate(work));
  const startTimer = options.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms).unref());
  const stopTimer = options.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout));
  const clients = new Set<Client>();
  let pending: IngestOutcome[] = [];
  let scheduled = false;
  let unsubscribe: (() => void) | null = null;
  let heartbeat: unknown = null;
  let closed = false;

  const listener = (outcome: IngestOutcome) => {
    pending.push(outcome);
    if (scheduled) return;
    scheduled = true;
    defer(dispatch);
  };

  function dispatch(): void {
    scheduled = false;
    const outcomes = pending;
    pending = [];
    if (clients.size === 0) return;
    const touched = new Set<Client>();
    for (const outcome of outcomes) {
      for (const event of toLiveEvents(outcome)) {
        let message: string | null = null; // serialised once, shared by every client it matches
        for (const client of clients) {
          if (!matchesLiveFilter(client.filter, event)) continue;
          message ??= `event: ingest\ndata: ${liveEventJson(event)}\n\n`;
          client.queue.push(message);
          // A client whose socket takes more is written as soon as its queue fills: only a full
          // socket, not a burst, makes a client lose messages.
          if (!client.draining && client.queue.size === queueCapacity) flush(client);
          touched.add(client);
        }
      }
    }
    for (const client of touched) flush(client);
  }

  function flush(client: Client): void {
    while (!client.draining && client.queue.size > 0) {
      let chunk = '';
      const dropped = client.queue.takeDropped();
      if (dropped > 0) chunk += sseMessage('dropped', { dropped });
      while (client.queue.size > 0 && chunk.length < MAX_CHUNK_CHARS) chunk += client.queue.shift();
      if (!client.sink.write(chunk)) client.draining = watchDrain(client);
    }
  }

  function beat(): void {
    // A client still draining is not idle: its socket has data in flight already.
    for (const client of clients) {
      if (!client.draining && !client.sink.write(sseComment('heartbeat'))) client.draining = watchDrain(client);
    }
  }

  /** Resumes writing to `client` once its socket drained; returns the new `draining` state. */
  function watchDrain(client: Client): true {
    client.sink.onceDrained(() => {
      client.draining = false;
      if (clients.has(client)) flush(client);
    });
    return true;
  }

  function remove(client: Client): void {
    if (!clients.delete(client)) return;
    if (clients.size > 0) return;
    unsubscribe?.();
    unsubscribe = null;
    if (heartbeat !== null) stopTimer(heartbeat);
    heartbeat = null;
    pending = [];
  }

  return {
    connect(filter, sink) {
      if (closed) return { ok: false, reason: 'closed' };
      if (clients.size >= maxClients) return { ok: false, reason: 'full' };
      const client: Client = { filter, sink, queue: createDropOldestQueue(queueCapacity), draining: false };
      clients.add(client);
      unsubscribe ??= observers.add(listener);
      heartbeat ??= startTimer(beat, heartbeatMs);
      // `ready` tells the reader it is subscribed: whatever is ingested from now on reaches it.
      const hello = sseRetry(3_000) + sseMessage('ready', {
        filter: { event: filter.events ? [...filter.events] : null, device: filter.device, session: filter.session },
        queueCapacity,
        heartbeatMs,
      });
      if (!sink.write(hello)) client.draining = watchDrain(client);
      return { ok: true, disconnect: () => remove(client) };
    },
    closeAll() {
      closed = true;
      for (const client of [...clients]) {
        remove(client);
        client.sink.end();
      }
    },
    get clients() {
      return clients.size;
    },
  };
}
