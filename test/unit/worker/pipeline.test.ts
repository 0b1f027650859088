import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../../../src/shared/event.js';
import type { CallNumbers, Capture, PageEnvironment, PersistItem } from '../../../src/shared/protocol.js';
import { messageId } from '../../../src/shared/capture-batch.js';
import { mergeRanges, pageKey } from '../../../src/shared/call-numbers.js';
import { createPipeline, type PipelineDeps } from '../../../src/capture/pipeline.js';
import { createEventValidator } from '../../../src/capture/validate.js';
import { memoryIdentity } from '../../helpers/identity.js';

const env: PageEnvironment = { userAgent: 'UA', locale: 'en', timezone: 'UTC', screen: { width: 1, height: 1, density: 1 } };
const page = { url: 'https://x.test/', path: '/', search: '', title: '', referrer: '' };
const track = (id: string, event = 'e', properties: Record<string, unknown> = {}): Capture => ({ type: 'track', messageId: id, ts: 0, event, properties, page });

function pipeline(overrides: Partial<PipelineDeps> = {}) {
  const errors: string[] = [];
  const quarantined: Array<[string, string]> = [];
  const p = createPipeline({
    identity: Promise.resolve(memoryIdentity()),
    env,
    validate: (e) => (/^[a-z_]+$/.test(e.event ?? 'page') ? { ok: true } : { ok: false, code: 'invalid-event', reason: '/event must match pattern' }),
    quarantine: async (e, code) => void quarantined.push([e.messageId, code]),
    rules: {},
    batch: { maxEvents: 3, maxBytes: 1e9, maxWaitMs: 20, persistMax: 100 },
    retryMs: 5,
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    onError: (code) => errors.push(code),
    ...overrides,
  });
  return { p, errors, quarantined };
}

function recordingSink() {
  const batches: PersistItem[][] = [];
  const sink = async (items: PersistItem[]) => {
    batches.push(items);
    return items.length;
  };
  return { batches, sink };
}

const ids = (items: PersistItem[]) => items.map((i) => (i.type === 'reset' ? 'RESET' : (i as WireEvent).messageId));

describe('pipeline', () => {
  it('holds captures until a sink exists, then resolves them with the durable count', async () => {
    const { p } = pipeline();
    const pending = p.capture([track('a'), track('b')]);
    await new Promise((r) => setTimeout(r, 40));
    expect(p.stats()).toMatchObject({ received: 2, persisted: 0, pending: 2 });
    const { batches, sink } = recordingSink();
    p.setSink(sink);
    expect(await pending).toBe(2);
    expect(batches.map(ids)).toEqual([['a', 'b']]);
    expect((batches[0][0] as WireEvent).anonymousId).toBe('anon-0');
    expect(p.stats()).toMatchObject({ received: 2, persisted: 2, pending: 0 });
  });

  it('hands over at the event count, or when the oldest has waited, or at once on flush()', async () => {
    const { p } = pipeline();
    const { batches, sink } = recordingSink();
    p.setSink(sink);
    void p.capture([track('a'), track('b'), track('c'), track('d')]);
    await new Promise((r) => setTimeout(r, 5));
    expect(batches.map(ids)).toEqual([['a', 'b', 'c']]); // count reached; 'd' waits for the timer
    await new Promise((r) => setTimeout(r, 40));
    expect(batches.map(ids)).toEqual([['a', 'b', 'c'], ['d']]);
    void p.capture([track('e')]);
    await new Promise((r) => setTimeout(r, 1));
    p.flush();
    await new Promise((r) => setTimeout(r, 1));
    expect(batches.map(ids)[2]).toEqual(['e']);
  });

  it('quarantines an invalid event with its reason and settles it, while the rest of the burst persists', async () => {
    const { p, errors, quarantined } = pipeline();
    const { batches, sink } = recordingSink();
    p.setSink(sink);
    const durable = await p.capture([track('a'), track('b', 'Bad Name'), track('c')]);
    expect(durable).toBe(2);
    expect(batches.flatMap(ids)).toEqual(['a', 'c']);
    expect(quarantined).toEqual([['b', 'invalid-event']]);
    expect(errors).toEqual(['invalid-event']);
    expect(p.stats()).toMatchObject({ invalid: 1, pending: 0, persisted: 2 });
  });

  it('applies debounce and throttle rules and counts what they drop', async () => {
    const { p } = pipeline({ rules: { search: { debounceMs: 10 }, slider: { throttleMs: 10_000 } } });
    const { batches, sink } = recordingSink();
    p.setSink(sink);
    const durable = await p.capture([track('s1', 'search'), track('s2', 'search'), track('t1', 'slider'), track('t2', 'slider')]);
    expect(durable).toBe(2);
    expect(batches.flatMap(ids).sort()).toEqual(['s2', 't1']);
    expect(p.stats()).toMatchObject({ debounced: 1, throttled: 1, pending: 0 });
  });

  it("tells the outbox each event's call number on the page, and the numbers its rules dropped", async () => {
    const seed = [7, 8, 9];
    const numbered = (n: number, event: string) => ({ ...track(messageId(seed, n, 0), event), n });
    const { p } = pipeline({ rules: { search: { debounceMs: 10 } }, batch: { maxEvents: 100, maxBytes: 1e9, maxWaitMs: 5, persistMax: 100 } });
    const seen: Array<CallNumbers | undefined> = [];
    p.setSink(async (items, _dropped, _gates, calls) => {
      seen.push(calls);
      return items.length;
    });
    await p.capture([numbered(0, 'a'), numbered(1, 'search'), numbered(2, 'search'), numbered(3, 'Bad'), numbered(4, 'b')]);
    await p.capture([numbered(5, 'c')]);
    const key = pageKey(messageId(seed, 0, 0), 0);
    expect(seen.every((c) => c?.page === key)).toBe(true);
    const numbers = Object.assign({}, ...seen.map((c) => c!.numbers));
    expect(Object.values(numbers).sort()).toEqual([0, 2, 4, 5]);
    expect(numbers[messageId(seed, 2, 0)]).toBe(2);
    // Debounced (1) and quarantined (3): settled without an event, told with a later persist.
    expect(seen.map((c) => c!.settled ?? []).reduce((a, b) => mergeRanges(a, b), [])).toEqual([1, 2, 3, 4]);
  });

  it('identify names later events; reset changes the anonymous id and travels in order as a marker', async () => {
    const { p } = pipeline();
    const { batches, sink } = recordingSink();
    p.setSink(sink);
    await p.capture([
      { type: 'identify', messageId: 'i', ts: 0, userId: 'u1', page },
      track('a'),
      { type: 'reset', messageId: 'r', ts: 0, page },
      track('b'),
    ]);
    const items = batches.flat();
    expect(ids(items)).toEqual(['i', 'a', 'RESET', 'b']);
    const [identify, a, , b] = items as WireEvent[];
    expect(identify.userId).toBe('u1');
    expect(a.userId).toBe('u1');
    expect(b.userId).toBeUndefined();
    expect(b.anonymousId).not.toBe(a.anonymousId);
  });

  it('keeps and retries a batch whose persist failed, and reports it', async () => {
    const { p, errors } = pipeline();
    let fail = 2;
    const seen: number[] = [];
    p.setSink(async (items) => {
      seen.push(items.length);
      if (fail-- > 0) throw new Error('QuotaExceededError');
      return items.length;
    });
    expect(await p.capture([track('a'), track('b'), track('c')])).toBe(3);
    expect(seen).toEqual([3, 3, 3]);
    expect(errors).toEqual(['persist-failed', 'persist-failed']);
    expect(p.stats().errors['persist-failed']).toBe(2);
  });

  it('a screen view goes through like a page view: valid on the wire, named, with properties, never held by a track rule of its name', async () => {
    const { p, errors } = pipeline({ validate: createEventValidator(), rules: { checkout: { debounceMs: 10_000 } } });
    const { batches, sink } = recordingSink();
    p.setSink(sink);
    const view = (type: 'page' | 'screen', id: string, name: string, properties?: Record<string, unknown>): Capture => ({ type, messageId: id, ts: 0, name, properties, page });
    expect(await p.capture([view('screen', 's1', 'checkout', { step: 2 }), view('page', 'p1', 'Home'), view('screen', 's2', 'Order Placed')])).toBe(3);
    const events = batches.flat() as WireEvent[];
    expect(events.map((e) => [e.type, e.name, e.properties])).toEqual([
      ['screen', 'checkout', { step: 2 }],
      ['page', 'Home', {}],
      // A screen's name is free text, as a page's is: the snake_case convention is for track events.
      ['screen', 'Order Placed', {}],
    ]);
    expect(errors).toEqual([]);
    expect(p.stats()).toMatchObject({ persisted: 3, debounced: 0, invalid: 0 });
  });
});
