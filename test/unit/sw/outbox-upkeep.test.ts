import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import { createDbOpener, type HomingDatabase } from '../../../src/outbox/outbox-db.js';
import { createOutbox, type Outbox } from '../../../src/outbox/outbox.js';
import { createUpkeep, priorityRule } from '../../../src/outbox/outbox-upkeep.js';
import { createPersist } from '../../../src/outbox/persist.js';
import { makeEvent, sessionIds, SESSION } from '../../helpers/events.js';

const DB = 'homing-test-upkeep';
const ALL = 1e9;
const DAY = 24 * 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

const page = (id: string) => makeEvent(id, { type: 'page', event: undefined, properties: {} });
const track = (id: string, event = 'add_to_cart') => makeEvent(id, { event });

describe('outbox upkeep', () => {
  let getDb: () => Promise<HomingDatabase>;
  let outbox: Outbox;
  let now = T0;

  beforeEach(() => {
    getDb = createDbOpener(DB);
    outbox = createOutbox({ getDb, now: () => now, newId: sessionIds(), session: SESSION });
  });
  afterEach(async () => {
    (await getDb()).close();
    await deleteDB(DB);
  });

  it('expires events captured before the retention cut-off and counts them', async () => {
    now = T0;
    await outbox.append([makeEvent('old', { timestamp: new Date(T0 - 8 * DAY).toISOString() }), makeEvent('recent', { timestamp: new Date(T0).toISOString() })]);
    now = T0 + DAY;
    await outbox.append([makeEvent('new', { timestamp: new Date(T0 + DAY).toISOString() })]);
    const upkeep = createUpkeep(getDb, priorityRule());
    expect(await upkeep.expire(T0 - 7 * DAY)).toBe(1);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toEqual(['recent', 'new']);
    expect((await outbox.counters()).counts.expired).toBe(1);
    expect(await outbox.count()).toBe(2);
  });

  it('evicts low priority first, oldest first, then normal; never critical; and counts it', async () => {
    await outbox.append([page('p1'), track('c1', 'purchase_completed'), track('n1'), page('p2')]);
    await outbox.append([track('n2'), track('s1', 'scroll_depth'), track('c2', 'purchase_completed')]);
    const upkeep = createUpkeep(getDb, priorityRule({ purchase_completed: 'critical' }));
    // 7 events, cap 4: the three low ones go (p1, p2, s1), then the oldest normal one (n1).
    expect(await upkeep.enforce({ maxEvents: 3, maxBytes: ALL })).toBe(4);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toEqual(['c1', 'n2', 'c2']);
    expect((await outbox.counters()).counts.evicted).toBe(4);
    // Only critical left: over any cap, they stay.
    expect(await upkeep.enforce({ maxEvents: 1, maxBytes: ALL })).toBe(1);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toEqual(['c1', 'c2']);
    expect(await upkeep.enforce({ maxEvents: 0, maxBytes: 0 })).toBe(0);
    expect(await outbox.usage()).toEqual({ events: 2, bytes: expect.any(Number) });
  });

  it('evicts by bytes as well as by count', async () => {
    await outbox.append([page('p1'), page('p2'), track('n1')]);
    const one = (await outbox.peek(1, ALL))[0].bytes;
    const { bytes } = await outbox.usage();
    const upkeep = createUpkeep(getDb, priorityRule());
    expect(await upkeep.enforce({ maxEvents: 100, maxBytes: bytes - one })).toBe(1);
    expect((await outbox.usage()).bytes).toBe(bytes - one);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toEqual(['p2', 'n1']);
  });

  it('persist makes room and retries once when IndexedDB throws QuotaExceededError', async () => {
    await outbox.append([page('p1'), page('p2'), track('n1')]);
    const upkeep = createUpkeep(getDb, priorityRule());
    let failures = 1;
    const flaky = {
      ...outbox,
      append: (items: Parameters<Outbox['append']>[0], counts?: Record<string, number>) => {
        if (failures-- > 0) return Promise.reject(new DOMException('quota', 'QuotaExceededError'));
        return outbox.append(items, counts);
      },
    };
    const persist = createPersist({ outbox: flaky, upkeep, budget: async () => ({ maxEvents: 100, maxBytes: ALL }) });
    expect(await persist([track('n2')])).toBe(1);
    expect((await outbox.counters()).counts.evicted).toBeGreaterThanOrEqual(1);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toContain('n2');
  });

  it('persist brings the outbox back under the budget after each append', async () => {
    const upkeep = createUpkeep(getDb, priorityRule());
    const persist = createPersist({ outbox, upkeep, budget: async () => ({ maxEvents: 2, maxBytes: ALL }) });
    await persist([page('p1'), track('n1'), track('n2')]);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toEqual(['n1', 'n2']);
  });
});

describe('eviction priority', () => {
  it('page and screen views are low by default, like scroll depth; a site can say otherwise by type', () => {
    const screen = makeEvent('v', { type: 'screen', event: undefined, name: 'Checkout', properties: {} });
    expect(priorityRule()(screen)).toBe('low');
    expect(priorityRule()(page('p'))).toBe('low');
    expect(priorityRule()(track('n'))).toBe('normal');
    expect(priorityRule({ screen: 'normal' })(screen)).toBe('normal');
  });
});
