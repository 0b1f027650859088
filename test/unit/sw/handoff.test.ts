import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Capture, HandoffMessage } from '../../../src/shared/protocol.js';
import { PROTOCOL_VERSION } from '../../../src/shared/protocol.js';
import { createOutbox, type Outbox } from '../../../src/outbox/outbox.js';
import { createHandoff } from '../../../src/sw/handoff.js';
import { messageId } from '../../../src/shared/capture-batch.js';
import { pageKey } from '../../../src/shared/call-numbers.js';
import { enrich } from '../../../src/capture/enrich.js';
import { createQuarantine } from '../../../src/outbox/quarantine.js';
import { sessionIds, SESSION } from '../../helpers/events.js';
import { useOutboxDb } from '../../helpers/outbox-db.js';

const DB = 'homing-test-handoff';
const page = { url: 'https://x.test/', path: '/', search: '', title: '', referrer: '' };
const env = { userAgent: 'UA', locale: 'en', timezone: 'UTC', screen: { width: 1, height: 1, density: 1 } };
const call = (messageId: string, event: string, extra: Partial<Capture> = {}): Capture => ({ type: 'track', messageId, ts: Date.UTC(2026, 10, 28), event, properties: {}, page, ...extra });
const msg = (calls: Capture[]): HandoffMessage => ({ v: PROTOCOL_VERSION, op: 'handoff', calls, env });

/** What the worker would have persisted for these calls. */
async function enriched(calls: Capture[]) {
  return calls.map((c) => enrich({ ...c, type: 'track' }, { anonymousId: 'device-1' }, env));
}

describe('pagehide hand-off in the service worker', () => {
  const { getDb } = useOutboxDb(DB);
  let outbox: Outbox;
  let handoff: (m: HandoffMessage) => Promise<number>;

  beforeEach(async () => {
    outbox = createOutbox({ getDb, now: () => 0, newId: sessionIds(), session: SESSION });
    handoff = createHandoff({
      getDb,
      persist: (items, counts, gates, calls) => outbox.append(items, counts, gates, calls),
      validate: (e) => (/^[a-z_]+$/.test(e.event ?? 'x') ? { ok: true } : { ok: false, code: 'invalid-event', reason: '/event must match pattern' }),
      quarantine: createQuarantine(getDb, () => 0),
    });
  });

  it("stores the tail with the device's identity, quarantines invalid calls, and keeps order", async () => {
    const stored = await handoff(msg([call('a', 'one'), call('b', 'Bad'), call('c', 'two')]));
    expect(stored).toBe(2);
    const rows = await outbox.peek(10, 1e9);
    expect(rows.map((r) => [r.messageId, r.event.anonymousId, r.event.userId, r.event.context.homing?.seq])).toEqual([
      ['a', 'device-1', 'user-9', 1],
      ['c', 'device-1', 'user-9', 2],
    ]);
    expect(await (await getDb()).count('quarantine')).toBe(1);
    expect((await outbox.counters()).counts).toMatchObject({ stored: 2, invalid: 1 });
  });

  it('a screen view in the tail is stored like a page view: named, with properties, in the session', async () => {
    const screen = call('s', '', { type: 'screen', event: undefined, name: 'Checkout', properties: { step: 2 } });
    expect(await handoff(msg([call('a', 'one'), screen]))).toBe(2);
    const [, row] = await outbox.peek(10, 1e9);
    expect(row.event).toMatchObject({ type: 'screen', name: 'Checkout', properties: { step: 2 }, anonymousId: 'device-1', userId: 'user-9' });
    expect(row.event).not.toHaveProperty('event');
    expect(row.event.context.homing).toMatchObject({ seq: 2, sessionId: 's1', sessionSeq: 2 });
  });

  it('stores nothing twice when the worker persisted part of the tail in time', async () => {
    await handoff(msg([call('a', 'one')]));
    expect(await handoff(msg([call('a', 'one'), call('b', 'two')]))).toBe(1);
    expect(await outbox.count()).toBe(2);
  });

  it('stores no call of the tail the worker persisted, even once delivered and deleted: no second sequence number', async () => {
    const seed = [1, 2, 3];
    const numbered = (n: number) => call(messageId(seed, n, 1000 + n), 'one', { n, ts: 1000 + n });
    const tail = [0, 1, 2, 3].map(numbered);
    // The worker persisted calls 0 and 1 of this page; the SW delivered them and deleted them.
    const page = pageKey(tail[0].messageId, 0);
    await outbox.append(await enriched(tail.slice(0, 2)), undefined, undefined, { page, numbers: { [tail[0].messageId]: 0, [tail[1].messageId]: 1 } });
    await outbox.settle(await outbox.peek(10, 1e9), [tail[0].messageId, tail[1].messageId], [], 0);
    expect(await handoff(msg(tail))).toBe(2);
    const rows = await outbox.peek(10, 1e9);
    expect(rows.map((r) => [r.messageId, r.event.context.homing?.seq])).toEqual([
      [tail[2].messageId, 3],
      [tail[3].messageId, 4],
    ]);
    // The page is hidden twice (two hand-offs of the same tail): still once.
    expect(await handoff(msg(tail))).toBe(0);
  });

  it('applies the privacy configuration the page sent: PII, consent gates, and a withdrawal in the tail', async () => {
    const privacy = { consent: { purposes: { ad_click: 'marketing' } }, pii: { email: 'redact' as const } };
    const tail = (calls: Capture[]): HandoffMessage => ({ ...msg(calls), privacy });
    await handoff(tail([call('a', 'before', { properties: { email: 'ada@example.com' } })]));
    let rows = await outbox.peek(10, 1e9);
    expect(rows).toEqual([]); // undecided: held, not deliverable
    const [segment] = await (await getDb()).getAll('outbox');
    expect(segment.events[0].properties).toEqual({ email: '[redacted]' });
    expect(segment.gates?.[0]).toMatchObject({ needs: ['analytics'] });

    await handoff(
      tail([
        { type: 'consent', messageId: '0190-c1', ts: 0, page, consent: { analytics: true, marketing: true } },
        call('b', 'granted'),
        { type: 'consent', messageId: '0190-c2', ts: 0, page, consent: { marketing: false } },
        call('c', 'ad_click'),
        call('d', 'after'),
      ]),
    );
    rows = await outbox.peek(10, 1e9);
    expect(rows.map((r) => r.messageId)).toEqual(['a', 'b', 'd']);
    // The withdrawal reset the identity: 'd' has the new one, and no user id.
    expect(rows.map((r) => [r.event.anonymousId === 'device-1', r.event.userId ?? null])).toEqual([
      [true, 'user-9'],
      [true, 'user-9'],
      [false, null],
    ]);
    expect((await outbox.counters()).counts).toMatchObject({ consent: 1 });
  });

  it('without a privacy configuration a consent call in the tail changes nothing (the worker records it)', async () => {
    await handoff(msg([{ type: 'consent', messageId: 'c', ts: 0, page, consent: { analytics: false } }, call('a', 'one')]));
    expect((await outbox.peek(10, 1e9)).map((r) => r.messageId)).toEqual(['a']);
    expect(await (await getDb()).get('meta', 'consent')).toBeUndefined();
  });

  it('a grant the browser signals forbid entirely changes nothing, as in the worker (identity-rules.ts)', async () => {
    const privacy = { consent: { honorGpc: true }, signals: { dnt: false, gpc: true } };
    await handoff({ ...msg([{ type: 'consent', messageId: '0190-c1', ts: 0, page, consent: { marketing: true } }, call('a', 'one')]), privacy });
    const db = await getDb();
    expect(await db.get('meta', 'consent')).toBeUndefined();
    expect(await db.get('meta', 'consentId')).toBeUndefined(); // not even recorded as applied
    expect((await db.getAll('outbox')).flatMap((segment) => segment.ids)).toEqual(['a']); // held for analytics, undecided
  });

  it('an identify in the tail names the events after it', async () => {
    await handoff(msg([call('a', 'one'), { type: 'identify', messageId: 'i', ts: 0, page, userId: 'new-user' }, call('b', 'two')]));
    const rows = await outbox.peek(10, 1e9);
    expect(rows.map((r) => r.event.userId)).toEqual(['user-9', 'new-user', 'new-user']);
  });
});
