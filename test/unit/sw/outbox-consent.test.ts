import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BatchBody } from '../../../src/shared/event.js';
import type { Gate } from '../../../src/shared/protocol.js';
import { createDeliverer } from '../../../src/outbox/deliver.js';
import { changeConsent } from '../../../src/outbox/outbox-consent.js';
import { createUpkeep, priorityRule } from '../../../src/outbox/outbox-upkeep.js';
import { createOutbox, type Outbox } from '../../../src/outbox/outbox.js';
import { makeEvent, sessionIds, SESSION } from '../../helpers/events.js';
import { useOutboxDb } from '../../helpers/outbox-db.js';

const DB = 'homing-test-outbox-consent';
const ALL = 1e9;
const T = Date.UTC(2026, 10, 28, 12);
const ANALYTICS: Gate = { needs: ['analytics'] };
const HELD: Gate = { needs: ['analytics'], until: T + 60_000 };
const AD_HELD: Gate = { needs: ['analytics', 'marketing'], until: T + 60_000 };
const ANON: Gate = { needs: ['analytics'], anonymous: true };

describe('outbox under consent', () => {
  const { getDb } = useOutboxDb(DB);
  let outbox: Outbox;
  let now = T;
  let ids: number;
  const newId = () => `anon-new-${++ids}`;
  const ids_ = async () => (await outbox.peek(100, ALL)).map((r) => r.messageId);
  const meta = async (key: string) => (await getDb()).get('meta', key as never);
  const consent = (update: Record<string, boolean>, id?: string) => changeConsent(getDb, update, { id, newId, now });

  beforeEach(async () => {
    now = T;
    ids = 0;
    outbox = createOutbox({ getDb, now: () => now, newId: sessionIds(), session: SESSION });
  });

  it('keeps gates beside the events, never in them', async () => {
    await outbox.append([makeEvent('a')], undefined, { a: HELD });
    const [segment] = await (await getDb()).getAll('outbox');
    expect(segment.gates).toEqual([HELD]);
    expect(JSON.stringify(segment.events[0])).not.toContain('needs');
  });

  it('peek skips held events without blocking the ones behind them, and delivers them once granted', async () => {
    await outbox.append([makeEvent('held-1'), makeEvent('ungated'), makeEvent('held-2')], undefined, { 'held-1': HELD, 'held-2': AD_HELD });
    await outbox.append([makeEvent('granted')], undefined, { granted: ANALYTICS });
    expect(await ids_()).toEqual(['ungated']);
    await consent({ analytics: true }, 'c1');
    expect(await ids_()).toEqual(['held-1', 'ungated', 'granted']); // held-2 also needs marketing
    await consent({ marketing: true }, 'c2');
    expect(await ids_()).toEqual(['held-1', 'ungated', 'held-2', 'granted']);
  });

  it('a grant releases held events for good: a collector outage past the buffer time loses none', async () => {
    await outbox.append([makeEvent('a')], undefined, { a: HELD });
    await consent({ analytics: true }, 'c1');
    now = T + 10 * 60_000; // past `until`, but the decision came in time
    expect(await ids_()).toEqual(['a']);
    expect((await (await getDb()).getAll('outbox'))[0].gates).toEqual([{ needs: ['analytics'] }]);
  });

  it('held past the buffer time: never delivered, then dropped and counted as consent', async () => {
    await outbox.append([makeEvent('a'), makeEvent('b')], undefined, { a: HELD });
    now = T + 60_001;
    expect(await ids_()).toEqual(['b']);
    expect(outbox.expiredHoldsSeen()).toBe(true);
    expect(outbox.expiredHoldsSeen()).toBe(false);
    expect(await createUpkeep(getDb, priorityRule()).expireHolds(now)).toBe(1);
    expect(await outbox.count()).toBe(1);
    expect((await outbox.counters()).counts).toMatchObject({ stored: 2, consent: 1 });
    // A grant after the buffer time does not bring an expired hold back.
    await outbox.append([makeEvent('c')], undefined, { c: { needs: ['analytics'], until: T + 70_000 } });
    now = T + 80_000;
    await consent({ analytics: true }, 'c1');
    expect(await ids_()).toEqual(['b']);
    expect((await outbox.counters()).counts.consent).toBe(2);
  });

  it('a withdrawal purges every queued event needing the purpose, resets the identifiers, and counts', async () => {
    await consent({ analytics: true, marketing: true }, 'c1');
    await outbox.append(
      [makeEvent('a'), makeEvent('ad'), makeEvent('old-ungated'), makeEvent('b')],
      undefined,
      { a: ANALYTICS, ad: { needs: ['analytics', 'marketing'] }, b: ANALYTICS },
    );
    const before = await outbox.usage();
    const change = await consent({ marketing: false }, 'c2');
    expect(change).toMatchObject({ withdrawn: ['marketing'], purged: 1, anonymousId: 'anon-new-1', userId: null });
    expect(await ids_()).toEqual(['a', 'old-ungated', 'b']);
    expect([await meta('anonymousId'), await meta('userId'), await meta('session')]).toEqual(['anon-new-1', null, null]);
    expect(await meta('consent')).toEqual({ analytics: true, marketing: false });
    const after = await outbox.usage();
    expect(after.events).toBe(before.events - 1);
    expect(after.bytes).toBeLessThan(before.bytes);
    expect((await outbox.counters()).counts).toMatchObject({ stored: 4, consent: 1 });

    // Withdrawing analytics takes everything that needs it, anonymous events included.
    await outbox.append([makeEvent('anon')], undefined, { anon: ANON });
    expect(await consent({ analytics: false }, 'c3')).toMatchObject({ withdrawn: ['analytics'], purged: 3 });
    expect(await ids_()).toEqual(['old-ungated']);
    // Denying what is already denied changes nothing: no new identifiers.
    expect(await consent({ analytics: false }, 'c4')).toMatchObject({ withdrawn: [], purged: 0, anonymousId: 'anon-new-2' });
  });

  it('an older consent call (replayed by a hand-off) changes nothing', async () => {
    await consent({ analytics: false }, '0190-b');
    expect(await consent({ analytics: true }, '0190-a')).toMatchObject({ consent: { analytics: false }, withdrawn: [] });
    expect(await meta('consent')).toEqual({ analytics: false });
  });

  it('an event on its way to the outbox during a withdrawal is refused when it arrives, and counted', async () => {
    await consent({ analytics: false }, 'c1');
    expect(await outbox.append([makeEvent('late'), makeEvent('free')], { consent: 2 }, { late: ANALYTICS })).toBe(1);
    expect(await ids_()).toEqual(['free']);
    expect((await outbox.counters()).counts).toMatchObject({ consent: 3, stored: 1 });
  });

  it('an event arriving after a grant is stored released; one held past its time is refused', async () => {
    await consent({ analytics: true }, 'c1');
    now = T + 120_000;
    await outbox.append([makeEvent('a'), makeEvent('b')], undefined, { a: HELD, b: { needs: ['analytics', 'marketing'], until: T } });
    expect(await ids_()).toEqual(['a']);
    expect((await (await getDb()).getAll('outbox'))[0].gates).toEqual([{ needs: ['analytics'] }]);
  });

  it('anonymous events take no sequence number and no session, and travel in batches of their own', async () => {
    await outbox.append([makeEvent('a'), makeEvent('anon-1'), makeEvent('b'), makeEvent('anon-2')], undefined, { 'anon-1': ANON, 'anon-2': ANON });
    const rows = await outbox.peek(100, ALL);
    expect(rows.map((r) => [r.messageId, r.event.context.homing?.seq ?? null])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const events = (await (await getDb()).getAll('outbox'))[0].events;
    expect(events.find((e) => e.messageId === 'anon-1')?.context.homing).toBeUndefined();
  });

  it('the deliverer sends nothing while everything is held, and never a manifest with anonymous events', async () => {
    const requests: BatchBody[] = [];
    const deliverer = createDeliverer({
      outbox,
      now: () => now,
      random: () => 0.5,
      maxEvents: 10,
      maxBytes: ALL,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      manifest: async () => ({ deviceId: 'device-1', at: now, counts: {} }),
      send: async (json) => {
        const body = JSON.parse(json) as BatchBody;
        requests.push(body);
        return { status: 200, retryAfter: null, receipts: { accepted: body.batch.map((e) => e.messageId), duplicate: [], rejected: [] } };
      },
    });
    await outbox.append([makeEvent('held')], undefined, { held: HELD });
    expect(await deliverer.flush('test')).toEqual({ delivered: 0, pending: 1 });
    expect(requests).toHaveLength(0);
    await outbox.append([makeEvent('anon')], undefined, { anon: ANON });
    await outbox.append([makeEvent('plain')]);
    expect(await deliverer.flush('test')).toEqual({ delivered: 2, pending: 1 });
    expect(requests.map((r) => [r.batch.map((e) => e.messageId), !!r.manifest])).toEqual([
      [['anon'], false],
      [['plain'], true],
    ]);
    expect(JSON.stringify(requests)).not.toContain('needs');
  });
});
