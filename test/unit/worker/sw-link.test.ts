import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type PersistMessage } from '../../../src/shared/protocol.js';
import { createSwLink } from '../../../src/worker/sw-link.js';
import { makeEvent } from '../../helpers/events.js';

/** A service worker end that commits and acks, remembering what it stored (by messageId). */
function fakeSw(store = new Set<string>()) {
  const channel = new MessageChannel();
  const seen: PersistMessage[] = [];
  channel.port2.onmessage = (e) => {
    const msg = e.data as PersistMessage;
    seen.push(msg);
    let stored = 0;
    for (const ev of msg.events) if (ev.type !== 'reset' && !store.has(ev.messageId) && store.add(ev.messageId)) stored++;
    channel.port2.postMessage({ v: PROTOCOL_VERSION, op: 'ack', id: msg.id, ok: true, stored });
  };
  return { port: channel.port1, seen, store, close: () => channel.port2.close() };
}

/** A port whose service worker was stopped: messages vanish, nothing answers, no error. */
function deadPort() {
  const channel = new MessageChannel();
  channel.port2.onmessage = () => {};
  return channel.port1;
}

function link(requestLink: () => void, ackTimeoutMs = 30) {
  return createSwLink({
    requestLink,
    ackTimeoutMs,
    maxAckTimeoutMs: 1000,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  });
}

describe('sw-link', () => {
  it('resolves with the stored count once the service worker acks', async () => {
    const sw = fakeSw();
    const l = link(() => {});
    l.attach(sw.port);
    expect(await l.persist([makeEvent('a'), makeEvent('b')])).toBe(2);
    expect(sw.seen[0]).toMatchObject({ v: PROTOCOL_VERSION, op: 'persist', id: 1 });
    sw.port.close();
    sw.close();
  });

  it('asks for a port when it has none, and sends what waited once one arrives', async () => {
    const sw = fakeSw();
    let asked = 0;
    const l = link(() => asked++);
    const p = l.persist([makeEvent('a')]);
    expect(asked).toBe(1);
    l.attach(sw.port);
    expect(await p).toBe(1);
    sw.port.close();
    sw.close();
  });

  it('times out on a dead port, relinks, resends the same request, and the SW stores it once', async () => {
    const store = new Set<string>();
    let relinkAsked = 0;
    const l = link(() => relinkAsked++);
    l.attach(deadPort());
    const p = l.persist([makeEvent('a')]);
    await new Promise((r) => setTimeout(r, 60));
    expect(relinkAsked).toBe(1);
    expect(l.relinks()).toBe(1);
    const sw = fakeSw(store);
    l.attach(sw.port);
    expect(await p).toBe(1);
    expect(sw.seen.map((m) => m.id)).toEqual([1]);
    // A late resend of the same events stores nothing new (idempotent by messageId).
    expect(await l.persist([makeEvent('a')])).toBe(0);
    sw.port.close();
    sw.close();
  });

  it('abandon() fails every unacknowledged request so the pipeline can go elsewhere', async () => {
    const l = link(() => {}, 10_000);
    l.attach(deadPort());
    const p = l.persist([makeEvent('a')]);
    l.abandon();
    await expect(p).rejects.toThrow('sw-unavailable');
  });

  it('rejects when the service worker could not commit (quota, IndexedDB error)', async () => {
    const channel = new MessageChannel();
    channel.port2.onmessage = (e) =>
      channel.port2.postMessage({ v: PROTOCOL_VERSION, op: 'ack', id: (e.data as PersistMessage).id, ok: false, stored: 0, error: 'QuotaExceededError' });
    const l = link(() => {});
    l.attach(channel.port1);
    await expect(l.persist([makeEvent('a')])).rejects.toThrow('QuotaExceededError');
    channel.port1.close();
    channel.port2.close();
  });
});
