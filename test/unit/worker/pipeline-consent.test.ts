import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../../../src/shared/event.js';
import type { Capture, Gate, PersistItem, PrivacyInit } from '../../../src/shared/protocol.js';
import { createPipeline, type PipelineDeps } from '../../../src/capture/pipeline.js';
import { createPrivacy } from '../../../src/capture/privacy.js';
import { memoryIdentity } from '../../helpers/identity.js';

const env = { userAgent: 'UA', locale: 'en', timezone: 'UTC', screen: { width: 1, height: 1, density: 1 } };
const page = { url: 'https://x.test/', path: '/', search: '', title: '', referrer: '' };
const T = Date.UTC(2026, 10, 28, 12);
const track = (id: string, event = 'e', properties: Record<string, unknown> = {}): Capture => ({ type: 'track', messageId: id, ts: T, event, properties, page });
const consent = (id: string, purposes: Record<string, boolean>): Capture => ({ type: 'consent', messageId: id, ts: T, page, consent: purposes });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

interface Persisted {
  ids: string[];
  dropped: Record<string, number>;
  gates?: Record<string, Gate>;
}

function setup(init: PrivacyInit, overrides: Partial<PipelineDeps> = {}) {
  const errors: string[] = [];
  const identity = memoryIdentity();
  const p = createPipeline({
    identity: Promise.resolve(identity),
    env,
    validate: () => ({ ok: true }),
    quarantine: async () => {},
    rules: {},
    batch: { maxEvents: 100, maxBytes: 1e9, maxWaitMs: 10, persistMax: 100 },
    retryMs: 5,
    now: () => T,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    onError: (code) => errors.push(code),
    privacy: createPrivacy(init, { salt: 'https://x.test' }),
    ...overrides,
  });
  const persisted: Persisted[] = [];
  const sink = async (items: PersistItem[], dropped: Record<string, number>, gates?: Record<string, Gate>) => {
    persisted.push({ ids: items.map((i) => (i as WireEvent).messageId), dropped, ...(gates ? { gates } : {}) });
    return items.length;
  };
  return { p, identity, persisted, sink, errors };
}

describe('pipeline under a consent configuration', () => {
  it('buffer: events before a decision are persisted with a hold; a grant nudges the outbox', async () => {
    const { p, persisted, sink } = setup({ consent: {} });
    p.setSink(sink);
    await p.capture([track('a')]);
    expect(persisted).toEqual([{ ids: ['a'], dropped: {}, gates: { a: { needs: ['analytics'], until: T + 30 * 60_000 } } }]);
    await p.capture([consent('c1', { analytics: true }), track('b')]);
    await tick(20);
    // The consent call hands the queue over at once, so the SW hears of it and delivers.
    expect(persisted[1].ids).toEqual([]);
    expect(persisted.flatMap((x) => x.ids)).toEqual(['a', 'b']);
    expect(persisted[2].gates).toEqual({ b: { needs: ['analytics'] } });
  });

  it('drop: nothing before a decision is persisted; every drop is counted', async () => {
    const { p, persisted, sink } = setup({ consent: { policy: 'drop' } });
    p.setSink(sink);
    expect(await p.capture([track('a'), track('b')])).toBe(0);
    expect(p.stats()).toMatchObject({ consent: 2, pending: 0 });
    await p.capture([consent('c1', { analytics: true }), track('c')]);
    await tick(20);
    expect(persisted.flatMap((x) => x.ids)).toEqual(['c']);
    expect(persisted[0].dropped).toEqual({ consent: 2 });
  });

  it('a denial drops what needs the purpose, and only that', async () => {
    const { p, persisted, sink } = setup({ consent: { purposes: { ad_click: 'marketing' } } });
    p.setSink(sink);
    await p.capture([consent('c1', { analytics: true, marketing: false }), track('view'), track('ad', 'ad_click')]);
    await tick(20);
    expect(persisted.flatMap((x) => x.ids)).toEqual(['view']);
    expect(p.stats().consent).toBe(1);
  });

  it("a withdrawal purges the worker's queue of events captured under it, and resets the identity", async () => {
    const { p, identity } = setup({ consent: {} });
    // No sink yet (the SW is not linked): the events wait in the worker's queue.
    const first = p.capture([consent('c1', { analytics: true }), track('a'), track('b')]);
    await tick();
    const before = identity.current().anonymousId;
    const second = p.capture([consent('c2', { analytics: false }), track('c')]);
    expect(await first).toBe(0);
    expect(await second).toBe(0);
    expect(p.stats()).toMatchObject({ consent: 3, pending: 0 });
    expect(identity.current().anonymousId).not.toBe(before);
  });

  it('a debounced event that waited through a withdrawal is refused when its wait ends', async () => {
    const { p, persisted, sink } = setup({ consent: {} }, { rules: { typed: { debounceMs: 30 } } });
    p.setSink(sink);
    void p.capture([consent('c1', { analytics: true }), track('t', 'typed')]);
    await tick();
    await p.capture([consent('c2', { analytics: false })]);
    await tick(60);
    expect(persisted.flatMap((x) => x.ids)).toEqual([]);
    expect(p.stats().consent).toBe(1);
  });

  it('anonymous: sent without the stored identity, with a cookieless id', async () => {
    const { p, persisted, sink } = setup({ consent: { policy: 'anonymous' } });
    p.setSink(sink);
    const items: WireEvent[] = [];
    p.setSink(async (batch, dropped, gates) => {
      items.push(...(batch as WireEvent[]));
      return sink(batch, dropped, gates);
    });
    await p.capture([track('a')]);
    expect(items[0].anonymousId).toMatch(/^day-[0-9a-f]{32}$/);
    expect(persisted[0].gates).toEqual({ a: { needs: ['analytics'], anonymous: true } });
  });

  it('PII is hashed before the event leaves the worker', async () => {
    const { p, sink } = setup({ pii: { email: 'hash' } });
    const items: WireEvent[] = [];
    p.setSink(async (batch, dropped) => {
      items.push(...(batch as WireEvent[]));
      return sink(batch, dropped);
    });
    await p.capture([track('a', 'signed_up', { email: 'ada@example.com' })]);
    expect(items[0].properties?.email).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('DNT and GPC', () => {
    it('with honorDnt nothing is processed before the signals; DNT then denies everything', async () => {
      const { p, persisted, sink, identity } = setup({ consent: { honorDnt: true, policy: 'anonymous' } });
      p.setSink(sink);
      const pending = p.capture([track('a')]);
      await tick(20);
      expect(p.stats().pending).toBe(1);
      p.signals({ dnt: true, gpc: false });
      expect(await pending).toBe(0);
      expect(identity.current().consent).toEqual({ analytics: false, marketing: false });
      // A grant afterwards, from the site or its CMP, is ignored.
      await p.capture([consent('c1', { analytics: true }), track('b')]);
      expect(persisted.flatMap((x) => x.ids)).toEqual([]);
      expect(p.stats().consent).toBe(2);
    });

    it('GPC denies marketing and keeps it denied; analytics goes on', async () => {
      const { p, persisted, sink, identity } = setup({ consent: { honorGpc: true, purposes: { ad_click: 'marketing' } } });
      p.setSink(sink);
      p.signals({ dnt: false, gpc: true });
      await p.capture([consent('c1', { analytics: true, marketing: true }), track('view'), track('ad', 'ad_click')]);
      await tick(20);
      expect(identity.current().consent).toEqual({ analytics: true, marketing: false });
      expect(persisted.flatMap((x) => x.ids)).toEqual(['view']);
    });

    it('signals that never come: processing goes on after the wait, grants wait for them, and it is reported', async () => {
      const { p, persisted, sink, errors } = setup({ consent: { honorGpc: true } }, { signalsWaitMs: 10 });
      p.setSink(sink);
      await p.capture([consent('c1', { analytics: true }), track('a')]);
      expect(errors).toContain('consent-unavailable');
      expect(persisted.flatMap((x) => x.ids)).toEqual(['a']);
      expect(persisted.find((x) => x.ids.includes('a'))?.gates?.a.until).toBeDefined(); // still held
    });
  });

  it('without a consent configuration a consent call is recorded and gates nothing', async () => {
    const { p, persisted, sink, identity } = setup({});
    p.setSink(sink);
    await p.capture([consent('c1', { analytics: false }), track('a')]);
    await tick(20);
    expect(persisted.flatMap((x) => x.ids)).toEqual(['a']);
    expect(persisted[0].gates).toBeUndefined();
    expect(identity.current()).toMatchObject({ anonymousId: 'anon-0', consent: { analytics: false } });
  });
});
