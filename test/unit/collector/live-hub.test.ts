import { describe, expect, it } from 'vitest';
import { parseLiveFilter, type LiveFilter } from '../../../src/collector/live/filter.js';
import { createLiveHub, type LiveHubOptions, type LiveSink } from '../../../src/collector/live/hub.js';
import { createIngestObservers, type IngestOutcome } from '../../../src/collector/observe.js';
import type { LiveEvent } from '../../../src/shared/reports.js';
import { wireEvent } from '../../helpers/events.js';

/** A connection whose socket takes `room` chunks before it reports full, until `drain()`. */
function fakeSink(room = Infinity) {
  const chunks: string[] = [];
  let left = room;
  let onDrain: (() => void) | null = null;
  let ended = false;
  const sink: LiveSink = {
    write(chunk) {
      chunks.push(chunk);
      left--;
      return left > 0;
    },
    onceDrained(cb) {
      onDrain = cb;
    },
    end() {
      ended = true;
    },
  };
  return {
    sink,
    chunks,
    ended: () => ended,
    drain(newRoom = Infinity) {
      left = newRoom;
      const cb = onDrain;
      onDrain = null;
      cb?.();
    },
    /** Parsed SSE messages, comments excluded. */
    messages(): { event: string; data: any }[] {
      return chunks
        .join('')
        .split('\n\n')
        .filter((block) => block.startsWith('event: '))
        .map((block) => {
          const [head, data] = block.split('\n');
          return { event: head.slice('event: '.length), data: JSON.parse(data.slice('data: '.length)) };
        });
    },
  };
}

function setup(overrides: Partial<LiveHubOptions> = {}) {
  const observers = createIngestObservers((err) => {
    throw err;
  });
  const deferred: (() => void)[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const hub = createLiveHub({
    observers,
    maxClients: 3,
    queueCapacity: 4,
    heartbeatMs: 15_000,
    defer: (work) => void deferred.push(work),
    setInterval: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearInterval: (t) => void ((t as { cleared: boolean }).cleared = true),
    ...overrides,
  });
  const runDeferred = () => {
    while (deferred.length > 0) deferred.shift()!();
  };
  return { observers, hub, deferred, runDeferred, timers };
}

function all(): LiveFilter {
  return (parseLiveFilter({}) as { ok: true; filter: LiveFilter }).filter;
}

function only(query: Record<string, string>): LiveFilter {
  const parsed = parseLiveFilter(query);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.filter;
}

function accepted(...events: ReturnType<typeof wireEvent>[]): IngestOutcome {
  return { receivedAt: 5, channel: 'browser', items: events, accepted: events.map((e) => e.messageId), duplicate: [], rejected: [] };
}

describe('live hub', () => {
  it('listens to ingest only while a client is connected', () => {
    const { observers, hub, timers } = setup();
    expect(observers.size).toBe(0);
    const a = hub.connect(all(), fakeSink().sink);
    const b = hub.connect(all(), fakeSink().sink);
    expect(observers.size).toBe(1);
    expect(timers).toHaveLength(1);
    if (!a.ok || !b.ok) throw new Error('refused');
    a.disconnect();
    expect(observers.size).toBe(1);
    b.disconnect();
    b.disconnect();
    expect(observers.size).toBe(0);
    expect(timers[0].cleared).toBe(true);
  });

  it('says ready first, then sends each event after the request turn, filtered per client', () => {
    const { observers, hub, deferred, runDeferred } = setup();
    const everything = fakeSink();
    const carts = fakeSink();
    hub.connect(all(), everything.sink);
    hub.connect(only({ event: 'add_to_cart', device: 'dev-9' }), carts.sink);
    expect(everything.messages()).toEqual([{ event: 'ready', data: { filter: { event: null, device: null, session: null }, queueCapacity: 4, heartbeatMs: 15_000 } }]);

    const view = wireEvent();
    const cart = wireEvent({ event: 'add_to_cart', anonymousId: 'dev-9' });
    const otherCart = wireEvent({ event: 'add_to_cart', anonymousId: 'dev-1' });
    observers.notify(accepted(view, cart, otherCart));
    // Nothing is built or written on the request's own turn.
    expect(everything.messages()).toHaveLength(1);
    expect(deferred).toHaveLength(1);
    runDeferred();

    const got = everything.messages().slice(1);
    expect(got.map((m) => m.event)).toEqual(['ingest', 'ingest', 'ingest']);
    expect(got.map((m) => (m.data as LiveEvent).messageId)).toEqual([view.messageId, cart.messageId, otherCart.messageId]);
    expect(got.every((m) => m.data.result === 'accepted')).toBe(true);
    expect(carts.messages().slice(1).map((m) => m.data.messageId)).toEqual([cart.messageId]);
  });

  it('coalesces the outcomes of several requests into one deferred dispatch', () => {
    const { observers, hub, deferred, runDeferred } = setup();
    const s = fakeSink();
    hub.connect(all(), s.sink);
    observers.notify(accepted(wireEvent()));
    observers.notify(accepted(wireEvent()));
    expect(deferred).toHaveLength(1);
    runDeferred();
    expect(s.messages().filter((m) => m.event === 'ingest')).toHaveLength(2);
  });

  it('a slow reader keeps only the newest messages, is told how many it missed, and never holds up the others', () => {
    const { observers, hub, runDeferred } = setup();
    const slow = fakeSink(1); // full after the ready message
    const fast = fakeSink();
    hub.connect(all(), slow.sink);
    hub.connect(all(), fast.sink);
    const events = Array.from({ length: 10 }, (_, i) => wireEvent({ properties: { i } }));
    for (const e of events) observers.notify(accepted(e));
    runDeferred();
    expect(fast.messages().filter((m) => m.event === 'ingest')).toHaveLength(10);
    expect(slow.messages()).toHaveLength(1);

    slow.drain();
    const after = slow.messages().slice(1);
    expect(after[0]).toEqual({ event: 'dropped', data: { dropped: 6 } });
    expect(after.slice(1).map((m) => m.data.properties ?? m.data.payload.properties)).toEqual([{ i: 6 }, { i: 7 }, { i: 8 }, { i: 9 }]);

    // Caught up: later events flow again, with no dropped message.
    observers.notify(accepted(wireEvent({ properties: { i: 10 } })));
    runDeferred();
    expect(slow.messages().slice(-1)[0]).toMatchObject({ event: 'ingest', data: { payload: { properties: { i: 10 } } } });
    expect(slow.messages().filter((m) => m.event === 'dropped')).toHaveLength(1);
  });

  it('sends a heartbeat comment to idle clients on each tick', () => {
    const { hub, timers } = setup();
    const s = fakeSink();
    hub.connect(all(), s.sink);
    expect(timers[0].ms).toBe(15_000);
    timers[0].fn();
    timers[0].fn();
    expect(s.chunks.filter((c) => c === ': heartbeat\n\n')).toHaveLength(2);
  });

  it('refuses clients beyond the limit, and every client once closed; closeAll ends the streams', () => {
    const { observers, hub } = setup();
    const sinks = [fakeSink(), fakeSink(), fakeSink()];
    for (const s of sinks) expect(hub.connect(all(), s.sink).ok).toBe(true);
    expect(hub.connect(all(), fakeSink().sink)).toEqual({ ok: false, reason: 'full' });
    hub.closeAll();
    expect(sinks.every((s) => s.ended())).toBe(true);
    expect(hub.clients).toBe(0);
    expect(observers.size).toBe(0);
    expect(hub.connect(all(), fakeSink().sink)).toEqual({ ok: false, reason: 'closed' });
  });

  it('drops what was pending when the last client left before the dispatch', () => {
    const { observers, hub, runDeferred } = setup();
    const s = fakeSink();
    const c = hub.connect(all(), s.sink);
    observers.notify(accepted(wireEvent()));
    if (c.ok) c.disconnect();
    runDeferred();
    expect(s.messages()).toHaveLength(1);
  });
});
