/**
 * Generated traffic for the dashboard test, sent to a real collector over HTTP: a day of events
 * from a dozen devices, with known planted defects so every panel has something to show:
 *
 * - an outlier: one hour with ten times the usual traffic;
 * - sequence gaps: two devices skip sequence numbers (MISSING events never sent);
 * - duplicates: two batches sent twice;
 * - rejections: events that fail validation, with two different reasons;
 * - flagged events: a backend on Segment's library names orders as Segment's Spec does (stored,
 *   counted under the naming rule it breaks);
 * - a funnel product_viewed → add_to_cart → purchase_completed with revenue and campaigns.
 */
import { randomFillSync } from 'node:crypto';
import type { WireEvent } from '../../src/shared/event.js';
import { createUuidV7 } from '../../src/shared/uuid-v7.js';

const nextId = createUuidV7((bytes) => randomFillSync(bytes));

/** A fresh UUIDv7 messageId, as clients mint them. */
export function newMessageId(): string {
  return nextId(Date.now());
}

const UAS = {
  Chrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  Safari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
} as const;

const CAMPAIGNS = [
  { source: 'newsletter', medium: 'email', name: 'winter' },
  { source: 'ads', medium: 'cpc', name: 'brand' },
  undefined,
];

export interface Planted {
  sent: number;
  duplicates: number;
  rejected: number;
  flagged: number;
  missing: number;
  outlierHourStart: number;
}

export async function loadTraffic(collector: string, now: number): Promise<Planted> {
  const hour = 3_600_000;
  const devices = Array.from({ length: 12 }, (_, i) => ({
    id: `dev-${String(i + 1).padStart(2, '0')}`,
    ua: Object.values(UAS)[i % 3],
    seq: 0,
    session: '',
    step: 0,
    campaign: CAMPAIGNS[i % 3],
  }));
  const events: WireEvent[] = [];
  let missing = 0;
  const outlierHoursAgo = 7;
  // The page's "last 24 hours" starts a little after now − 24 h (it is opened later, and rounds
  // to the minute): keep a few minutes clear of that edge.
  const earliest = now - 24 * hour + 3 * 60_000;
  for (let h = 24; h >= 0; h--) {
    const hourStart = Math.floor((now - h * hour) / hour) * hour;
    const start = Math.max(hourStart, earliest);
    // The first and the current hour are partial: as many events as their part would have.
    const span = Math.min(hourStart + hour, now - 60_000) - start;
    if (span <= 0) continue;
    const n = Math.round((h === outlierHoursAgo ? 150 : 12 + (h % 4)) * (span / hour));
    for (let k = 0; k < n; k++) {
      const d = devices[k % devices.length];
      d.seq += 1;
      // Devices 3 and 7 lose one event in five: a gap in their sequence numbers.
      if ((d.id === 'dev-03' || d.id === 'dev-07') && d.seq % 5 === 0) {
        d.seq += 1;
        missing += 1;
      }
      const at = start + Math.floor(((k + 0.5) / n) * span);
      // Sessions of four hours; within one, a device walks the funnel: 3 views, 2 carts, 1 purchase.
      const sessionId = `${d.id}-s${Math.floor(h / 4)}`;
      if (d.session !== sessionId) {
        d.session = sessionId;
        d.step = 0;
      }
      const step = d.step++ % 6;
      const name = step < 3 ? 'product_viewed' : step < 5 ? 'add_to_cart' : 'purchase_completed';
      const properties: Record<string, unknown> = { product_id: `sku-${k % 7}` };
      if (name === 'purchase_completed') properties.total_value = 20 + (k % 5) * 10;
      events.push({
        type: 'track',
        event: name,
        properties,
        messageId: nextId(at),
        anonymousId: d.id,
        timestamp: new Date(at).toISOString(),
        context: {
          channel: 'browser',
          userAgent: d.ua,
          library: { name: 'homing', version: '0.1.0' },
          ...(d.campaign ? { campaign: d.campaign } : {}),
          homing: { seq: d.seq, sessionId, sessionSeq: step + 1, ...(d.campaign ? { firstTouch: d.campaign } : {}) },
        },
      } as WireEvent);
    }
  }

  const batches: unknown[][] = [];
  for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));
  for (const batch of batches) await send(collector, batch);
  // Two batches again: every event in them is answered duplicate.
  const resent = [batches[0].slice(0, 20), batches[1].slice(0, 15)];
  for (const batch of resent) await send(collector, batch);
  // Stored but flagged: not snake_case, from a library that is not Homing's (policy `flag`). In the
  // outlier hour, so they add no outlier of their own.
  const orderAt = Math.floor((now - outlierHoursAgo * hour) / hour) * hour + 30 * 60_000;
  const flagged = [0, 1, 2].map((i) => ({
    type: 'track',
    event: 'Order Completed',
    properties: { order_id: `o-${i}`, revenue: 30 + i * 10 },
    messageId: nextId(orderAt + i * 1000),
    anonymousId: 'shop-backend',
    timestamp: new Date(orderAt + i * 1000).toISOString(),
    context: { library: { name: 'analytics-node', version: '2.1.0' } },
  }));
  await send(collector, flagged);
  const bad = [
    { type: 'shout', messageId: newMessageId(), anonymousId: 'dev-01', timestamp: new Date(now - hour).toISOString() },
    { type: 'shout', messageId: newMessageId(), anonymousId: 'dev-02', timestamp: new Date(now - hour).toISOString() },
    { type: 'track', event: 'x', messageId: newMessageId(), anonymousId: 'dev-03', timestamp: 'yesterday' },
    { ...events[0], messageId: nextId(now), properties: { blob: 'x'.repeat(40_000) } },
  ];
  await send(collector, bad);
  // Each device's own loss manifest: what it captured, and (devices 3 and 7) what it evicted.
  for (const d of devices) {
    const lost = d.id === 'dev-03' || d.id === 'dev-07' ? Math.floor(d.seq / 5) : 0;
    const counts = { captured: d.seq, delivered: d.seq - lost, evicted: lost };
    await send(collector, [], { deviceId: d.id, at: now, counts, lastSeq: d.seq });
  }
  return {
    sent: events.length + flagged.length,
    duplicates: resent.reduce((n, b) => n + b.length, 0),
    rejected: bad.length,
    flagged: flagged.length,
    missing,
    outlierHourStart: Math.floor((now - outlierHoursAgo * hour) / hour) * hour,
  };
}

async function send(collector: string, batch: unknown[], manifest?: unknown): Promise<void> {
  const res = await fetch(`${collector}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString(), manifest }),
  });
  if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
}
