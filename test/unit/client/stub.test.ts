// @vitest-environment happy-dom
/**
 * The inline stub and the client's boot (stub/main.ts, main.ts), with the real createHoming: calls made
 * before `homing.js` loads are the same API as after, flush() and stats() return promises that
 * settle with the real results, onError() registers when the client loads, and flush() resolves
 * the public `{ delivered, pending }`, never the service worker's protocol message.
 * What stands in: the worker's comlink API and the service worker connection (a browser's, in e2e).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HomingGlobal } from '../../../src/client/index.js';
import type { CaptureBatch } from '../../../src/shared/capture-batch.js';
import type { WorkerStats } from '../../../src/shared/protocol.js';

const fakes = vi.hoisted(() => {
  const state = {
    captured: [] as Array<{ type: string; event?: string; ts: number }>,
    /** Page and screen views as the worker got them. */
    views: [] as Array<{ type: string; name?: string; properties?: Record<string, unknown> }>,
    /** The service worker's answer to a flush: the protocol message, as sw/runtime.ts posts it. */
    swFlush: (): Promise<unknown> => Promise.resolve({ v: 1, op: 'flushed', delivered: 3, pending: 1 }),
    swFlushes: 0,
    workerStats: { invalid: 2, debounced: 0, throttled: 0, consent: 0, outbox: null } as unknown,
  };
  return state;
});

vi.mock('comlink', () => ({
  // The worker's API: every call durable at once.
  wrap: () => ({
    init: async () => undefined,
    capture: async (batch: CaptureBatch) => {
      // The page sends its calls in columns; the worker makes the call objects (capture-batch.ts).
      const { decodeBatch } = await import('../../../src/shared/capture-batch.js');
      const calls = decodeBatch(batch);
      for (const call of calls) fakes.captured.push({ type: call.type, event: call.event, ts: call.ts });
      for (const { type, name, properties } of calls) if (type === 'page' || type === 'screen') fakes.views.push({ type, name, properties });
      return calls.length;
    },
    flush: async () => undefined,
    signals: async () => undefined,
    link: async () => undefined,
    stats: async () => fakes.workerStats as WorkerStats,
  }),
  proxy: <T>(value: T) => value,
  transfer: <T>(value: T) => value,
}));

vi.mock('../../../src/client/worker-endpoint.js', () => ({ startWorker: () => new MessageChannel().port1 }));

vi.mock('../../../src/client/sw-connect.js', () => ({
  connectServiceWorker: async () => ({
    newPort: async () => new MessageChannel().port1,
    handoff: () => undefined,
    watchPage: () => undefined,
    flush: () => {
      fakes.swFlushes++;
      return fakes.swFlush();
    },
  }),
}));

/** Every method of the client's global API; a method added to HomingGlobal fails to compile here. */
const API: Record<keyof HomingGlobal, true> = {
  init: true,
  track: true,
  page: true,
  screen: true,
  identify: true,
  alias: true,
  group: true,
  reset: true,
  consent: true,
  flush: true,
  stats: true,
  onError: true,
};

type Win = Window & { homing: HomingGlobal & { q?: unknown[] } };
const win = () => window as unknown as Win;

/** Runs the stub as the page's <head> would: a fresh module, so its IIFE runs again. */
async function pasteStub(): Promise<HomingGlobal> {
  await import('../../../src/client/stub/main.js');
  return win().homing;
}

/** `homing.js` arrives: main.ts boots on the stub's queue. */
async function loadClient(): Promise<void> {
  await import('../../../src/client/main.js');
}

/** Lets the client's promises (worker answers, the SW connection after `load`) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

beforeEach(() => {
  vi.resetModules();
  delete (window as unknown as { homing?: unknown }).homing;
  // happy-dom has no service worker container; the client only checks that there is one.
  Object.defineProperty(navigator, 'serviceWorker', { value: {}, configurable: true });
  fakes.captured.length = 0;
  fakes.views.length = 0;
  fakes.swFlushes = 0;
  fakes.swFlush = () => Promise.resolve({ v: 1, op: 'flushed', delivered: 3, pending: 1 });
});

afterEach(async () => {
  // The client starts its worker and its auto page view in later tasks (start-up never blocks the
  // page); let them run inside the test that loaded it, not into the next test's fakes.
  await settle();
  vi.restoreAllMocks();
});

describe('the stub is the API', () => {
  it('has every method of the loaded client, and the loaded client has them too', async () => {
    const stub = await pasteStub();
    expect(win().homing.q).toEqual([]);
    for (const method of Object.keys(API)) expect(typeof (stub as unknown as Record<string, unknown>)[method], method).toBe('function');
    await loadClient();
    expect(win().homing).toBe(stub); // the same object: references kept before the load still work
    expect(win().homing.q).toBeUndefined();
    for (const method of Object.keys(API)) expect(typeof (stub as unknown as Record<string, unknown>)[method], method).toBe('function');
  });

  it('the README Quick start before the client loads: flush() and stats() wait for it and resolve the real results', async () => {
    const homing = await pasteStub();
    homing.init({ collector: 'http://127.0.0.1:9', autoPage: false }); // no page view of its own to count
    homing.track('add_to_cart', { product_id: 'sku-1', quantity: 1 });
    homing.page();
    homing.identify('user-42', { plan: 'pro' });
    const flushed = homing.flush();
    const stats = homing.stats();
    expect(flushed).toBeInstanceOf(Promise);
    expect(stats).toBeInstanceOf(Promise);
    let early = false;
    void flushed.then(() => (early = true));
    await settle();
    expect(early).toBe(false); // nothing to resolve with before the real call ran

    await loadClient();
    expect(await flushed).toEqual({ delivered: 3, pending: 1 });
    const s = await stats;
    expect(s).toMatchObject({ captured: 3, invalid: 2 });
    // The three calls reached the worker in their order.
    expect(fakes.captured.map((c) => c.event ?? c.type)).toEqual(['add_to_cart', 'page', 'identify']);
  });

  it('replays in order with the original capture times', async () => {
    const homing = await pasteStub();
    const now = vi.spyOn(Date, 'now');
    now.mockReturnValue(1_000);
    homing.track('first');
    now.mockReturnValue(2_000);
    homing.track('second');
    now.mockRestore();
    await loadClient();
    await settle();
    expect(fakes.captured.filter((c) => c.type === 'track')).toEqual([
      { type: 'track', event: 'first', ts: 1_000 },
      { type: 'track', event: 'second', ts: 2_000 },
    ]);
  });

  it('a flush() queued before some calls does not wait for them; the one after does', async () => {
    const homing = await pasteStub();
    const first = homing.flush();
    homing.track('later');
    const second = homing.flush();
    await loadClient();
    await expect(first).resolves.toEqual({ delivered: 3, pending: 1 });
    await expect(second).resolves.toEqual({ delivered: 3, pending: 1 });
    expect(fakes.swFlushes).toBe(2);
  });

  it('onError() on the stub registers the listener when the client loads; its unsubscribe works before and after', async () => {
    const homing = await pasteStub();
    const heard: string[] = [];
    const gone: string[] = [];
    const off = homing.onError((code, detail) => heard.push(`${code}: ${detail}`));
    const offEarly = homing.onError((code) => gone.push(code));
    expect(typeof off).toBe('function');
    offEarly(); // before the load: never registered for good
    homing.track(''); // invalid: reported when replayed, after the listener's registration
    await loadClient();
    expect(heard).toEqual(['invalid-call: track() needs an event name']);
    expect(gone).toEqual([]);
    homing.track('');
    expect(heard).toHaveLength(2);
    off();
    homing.track('');
    expect(heard).toHaveLength(2);
    expect(gone).toEqual([]);
  });

  it('init() after the client loaded is reported, never thrown into the page', async () => {
    const homing = await pasteStub();
    homing.init({});
    await loadClient();
    const heard: string[] = [];
    homing.onError((code) => heard.push(code));
    expect(() => homing.init({ collector: 'http://127.0.0.1:9' })).not.toThrow();
    expect(heard).toEqual(['invalid-call']);
  });

  it('a call a listener makes on the stub while the queue replays is replayed too', async () => {
    const homing = await pasteStub();
    homing.onError(() => homing.track('from_listener'));
    homing.track('');
    await loadClient();
    await settle();
    expect(fakes.captured.map((c) => c.event).filter(Boolean)).toContain('from_listener');
  });
});

describe('page() and screen()', () => {
  it("take Segment's (name, properties) or one object whose name is the name, on the stub and on the loaded client", async () => {
    const homing = await pasteStub();
    homing.init({ collector: 'http://127.0.0.1:9', autoPage: false });
    homing.screen('Checkout', { step: 2 });
    homing.page({ name: 'Home', section: 'shop' });
    await loadClient();
    homing.screen({ name: 'Cart', items: 3 });
    homing.screen();
    homing.page('Product', { sku: 'sku-1' });
    homing.page();
    await settle();
    expect(fakes.views).toEqual([
      { type: 'screen', name: 'Checkout', properties: { step: 2 } },
      { type: 'page', name: 'Home', properties: { section: 'shop' } },
      { type: 'screen', name: 'Cart', properties: { items: 3 } },
      { type: 'screen', name: undefined, properties: undefined },
      { type: 'page', name: 'Product', properties: { sku: 'sku-1' } },
      { type: 'page', name: undefined, properties: undefined },
    ]);
    expect((await homing.stats()).captured).toBe(6);
  });

  it('a name that is not a string is no name; with a name given first, the properties are kept as given', async () => {
    await pasteStub();
    await loadClient();
    const homing = win().homing as unknown as { screen(...args: unknown[]): void };
    homing.screen({ name: 42, tab: 'feed' });
    homing.screen('Home', { name: 'also a property' });
    homing.screen(null);
    await settle();
    expect(fakes.views.filter((v) => v.type === 'screen')).toEqual([
      { type: 'screen', name: undefined, properties: { tab: 'feed' } },
      { type: 'screen', name: 'Home', properties: { name: 'also a property' } },
      { type: 'screen', name: undefined, properties: undefined },
    ]);
  });
});

describe('flush() resolves the public result', () => {
  it('{ delivered, pending } only, not the protocol message', async () => {
    await pasteStub();
    await loadClient();
    const homing = win().homing;
    homing.track('x');
    const result = await homing.flush();
    expect(result).toEqual({ delivered: 3, pending: 1 });
    expect(Object.keys(result ?? {}).sort()).toEqual(['delivered', 'pending']);
  });

  it('null when the service worker does not answer in time', async () => {
    fakes.swFlush = () => Promise.resolve(null); // sw-connect's own timeout answer
    await pasteStub();
    await loadClient();
    await expect(win().homing.flush(50)).resolves.toBeNull();
  });

  it('resolves null and reports, never rejects, when the service worker is gone', async () => {
    fakes.swFlush = () => Promise.reject(new Error('sw-unavailable'));
    const homing = await pasteStub();
    const heard: string[] = [];
    homing.onError((code) => heard.push(code));
    const queued = homing.flush();
    await loadClient();
    await expect(queued).resolves.toBeNull();
    expect(heard).toContain('sw-unavailable');
  });
});
