import { describe, expect, it } from 'vitest';
import type { FlagRule } from '../../../../src/collector/observe.js';
import { createQualityRecorder, FLAGGED_EVENTS } from '../../../../src/collector/reports/quality-recorder.js';
import type { QualityCount } from '../../../../src/collector/store/store.js';

const MIN = Date.parse('2026-11-28T12:00:00Z');
const outcome = (over: Record<string, unknown>) => ({ receivedAt: MIN + 5_000, channel: 'browser' as const, items: [], accepted: [], duplicate: [], rejected: [], ...over });
const rejection = (code: string) => ({ messageId: '', code, reason: 'r', index: 0 });

describe('quality recorder', () => {
  it('adds up outcomes per minute, kind, channel and code, and writes them in one batch per flush', async () => {
    const writes: QualityCount[][] = [];
    const r = createQualityRecorder({ write: (c) => void writes.push(c), onError: () => {}, flushMs: 3_600_000 });
    r.listener(outcome({ accepted: ['a', 'b'], duplicate: ['c'], rejected: [rejection('invalid-event'), rejection('invalid-event')] }));
    r.listener(outcome({ channel: 'server', duplicate: ['a'] }));
    r.listener(outcome({ receivedAt: MIN + 61_000, accepted: ['d'], rejected: [rejection('too-large')] }));
    // A failed store decided nothing: not counted.
    r.listener(outcome({ accepted: [], rejected: [rejection('invalid-event')], failed: { code: 'store-unavailable', reason: 'x' } }));
    await r.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toEqual([
      { minute: MIN, kind: 'accepted', channel: 'browser', code: '', count: 2 },
      { minute: MIN, kind: 'duplicate', channel: 'browser', code: '', count: 1 },
      { minute: MIN, kind: 'rejected', channel: 'browser', code: 'invalid-event', count: 2 },
      { minute: MIN, kind: 'duplicate', channel: 'server', code: '', count: 1 },
      { minute: MIN + 60_000, kind: 'accepted', channel: 'browser', code: '', count: 1 },
      { minute: MIN + 60_000, kind: 'rejected', channel: 'browser', code: 'too-large', count: 1 },
    ]);
    await r.flush();
    expect(writes).toHaveLength(1); // nothing new, nothing written
    await r.close();
  });

  it('counts flagged events per rule and once each under code \'\', per minute and channel, apart from rejections', async () => {
    const writes: QualityCount[][] = [];
    const r = createQualityRecorder({ write: (c) => void writes.push(c), onError: () => {}, flushMs: 3_600_000 });
    const flag = (messageId: string, index: number, ...rules: FlagRule[]) => ({ messageId, index, rules });
    r.listener(outcome({
      accepted: ['a', 'b', 'c'],
      rejected: [rejection('invalid-event')],
      flagged: [flag('a', 0, 'event-name', 'property-name'), flag('b', 1, 'event-name'), flag('c', 2)],
    }));
    r.listener(outcome({ channel: 'server', accepted: ['d'], flagged: [flag('d', 0, 'site-schema', 'site-schema')] }));
    r.listener(outcome({ receivedAt: MIN + 60_000, accepted: ['e'], flagged: [flag('e', 0, 'property-name')] }));
    // Nothing flagged: an empty list or none at all writes no flagged rows.
    r.listener(outcome({ receivedAt: MIN + 120_000, accepted: ['f'], flagged: [] }));
    // A failed store stored nothing, flagged or not.
    r.listener(outcome({ flagged: [flag('g', 0, 'event-name')], failed: { code: 'store-unavailable', reason: 'x' } }));
    await r.close();
    expect(writes.flat()).toEqual([
      { minute: MIN, kind: 'accepted', channel: 'browser', code: '', count: 3 },
      { minute: MIN, kind: 'rejected', channel: 'browser', code: 'invalid-event', count: 1 },
      { minute: MIN, kind: 'flagged', channel: 'browser', code: FLAGGED_EVENTS, count: 2 },
      { minute: MIN, kind: 'flagged', channel: 'browser', code: 'event-name', count: 2 },
      { minute: MIN, kind: 'flagged', channel: 'browser', code: 'property-name', count: 1 },
      { minute: MIN, kind: 'accepted', channel: 'server', code: '', count: 1 },
      { minute: MIN, kind: 'flagged', channel: 'server', code: FLAGGED_EVENTS, count: 1 },
      { minute: MIN, kind: 'flagged', channel: 'server', code: 'site-schema', count: 1 },
      { minute: MIN + 60_000, kind: 'accepted', channel: 'browser', code: '', count: 1 },
      { minute: MIN + 60_000, kind: 'flagged', channel: 'browser', code: FLAGGED_EVENTS, count: 1 },
      { minute: MIN + 60_000, kind: 'flagged', channel: 'browser', code: 'property-name', count: 1 },
      { minute: MIN + 120_000, kind: 'accepted', channel: 'browser', code: '', count: 1 },
    ]);
  });

  it('keeps the counts of a failed write for the next flush, and reports the failure', async () => {
    const written: QualityCount[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const r = createQualityRecorder({
      write: (c) => {
        if (fail) throw new Error('disk full');
        written.push(...c);
      },
      onError: (e) => errors.push(e),
      flushMs: 3_600_000,
    });
    r.listener(outcome({ accepted: ['a'] }));
    await r.flush();
    r.listener(outcome({ accepted: ['b'] }));
    fail = false;
    await r.close();
    expect(errors).toHaveLength(1);
    expect(written).toEqual([{ minute: MIN, kind: 'accepted', channel: 'browser', code: '', count: 2 }]);
  });
});
