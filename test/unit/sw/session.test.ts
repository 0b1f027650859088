import { describe, expect, it } from 'vitest';
import { advanceSession, type SessionState } from '../../../src/outbox/session.js';

const rules = { idleMs: 30 * 60_000, maxMs: 24 * 3_600_000 };
let n = 0;
const newId = () => `s${++n}`;
const T0 = Date.UTC(2026, 10, 28, 9);

describe('advanceSession', () => {
  it('starts a session on the first event and numbers the events in it', () => {
    let s: SessionState | null = null;
    s = advanceSession(s, T0, undefined, rules, newId);
    const id = s.id;
    s = advanceSession(s, T0 + 60_000, undefined, rules, newId);
    expect(s).toMatchObject({ id, seq: 2, startedAt: T0, lastAt: T0 + 60_000 });
  });

  it('ends a session after 30 minutes without events', () => {
    const a = advanceSession(null, T0, undefined, rules, newId);
    const same = advanceSession(a, T0 + 30 * 60_000, undefined, rules, newId);
    expect(same.id).toBe(a.id);
    const next = advanceSession(same, T0 + 60 * 60_000 + 1, undefined, rules, newId);
    expect(next.id).not.toBe(a.id);
    expect(next.seq).toBe(1);
  });

  it('ends a session 24 hours after it began even if events never stopped', () => {
    let s = advanceSession(null, T0, undefined, rules, newId);
    const first = s.id;
    for (let t = T0; t <= T0 + 24 * 3_600_000; t += 20 * 60_000) s = advanceSession(s, t, undefined, rules, newId);
    s = advanceSession(s, T0 + 24 * 3_600_000 + 60_000, undefined, rules, newId);
    expect(s.id).not.toBe(first);
  });

  it('an older event (a replayed stub call) joins the current session and never rewinds lastAt', () => {
    const a = advanceSession(null, T0 + 10_000, undefined, rules, newId);
    const b = advanceSession(a, T0, undefined, rules, newId);
    expect(b.id).toBe(a.id);
    expect(b.lastAt).toBe(T0 + 10_000);
  });

  it('keeps the first touch of the session and follows the last touch', () => {
    const google = { source: 'google', medium: 'cpc', gclid: 'abc' };
    const news = { source: 'news', medium: 'email' };
    let s = advanceSession(null, T0, google, rules, newId);
    s = advanceSession(s, T0 + 1000, undefined, rules, newId);
    expect(s.lastTouch).toEqual(google);
    s = advanceSession(s, T0 + 2000, news, rules, newId);
    expect(s.firstTouch).toEqual(google);
    expect(s.lastTouch).toEqual(news);
  });
});
