import { describe, expect, it } from 'vitest';
import { splitRange } from '../../../../src/collector/reports/answers.js';
import { createQualityAccumulator, type QualityRaw } from '../../../../src/collector/reports/quality.js';
import { FLAGGED_EVENTS } from '../../../../src/collector/reports/quality-recorder.js';
import type { Delays } from '../../../../src/collector/reports/source.js';

describe('splitRange', () => {
  it('cuts a range into adjacent half-open pieces that cover it exactly', () => {
    expect(splitRange({ from: 0, to: 10 }, 2)).toEqual([{ from: 0, to: 5 }, { from: 5, to: 10 }]);
    expect(splitRange({ from: 1, to: 8 }, 3)).toEqual([{ from: 1, to: 3 }, { from: 3, to: 5 }, { from: 5, to: 8 }]);
    expect(splitRange({ from: 5, to: 6 }, 2)).toEqual([{ from: 5, to: 6 }]);
    expect(splitRange({ from: 5, to: 5 }, 2)).toEqual([{ from: 5, to: 5 }]);
  });
});

describe('the quality report\'s flagged events', () => {
  const noDelays: Delays = { latency: [], skew: [], latencyMax: null, skewMax: null };
  const raw = (...counters: [kind: string, channel: string, code: string, count: number][]): QualityRaw => ({
    counters: counters.map(([kind, channel, code, count]) => ({ kind, channel, code, count })),
    devices: [],
    delays: noDelays,
  });
  const RANGE = { from: 0, to: 60_000, tz: 'UTC' };

  it('counts flagged events, their share of the events stored, and each rule, merged over chunks and channels', () => {
    const acc = createQualityAccumulator();
    acc.add(raw(
      ['accepted', 'browser', '', 16], ['duplicate', 'browser', '', 2], ['rejected', 'browser', 'invalid-event', 2],
      ['flagged', 'browser', FLAGGED_EVENTS, 3], ['flagged', 'browser', 'event-name', 2], ['flagged', 'browser', 'property-name', 2],
    ));
    acc.add(raw(
      ['accepted', 'server', '', 4],
      ['flagged', 'server', FLAGGED_EVENTS, 2], ['flagged', 'server', 'site-schema', 2], ['flagged', 'server', 'event-name', 1],
    ));
    const report = acc.report(RANGE);
    // 5 events of the 20 stored; one broke two rules, so the rules add up to more than the events.
    expect(report.flagged).toEqual({
      total: 5,
      rate: 5 / 20,
      byRule: [{ rule: 'event-name', count: 3 }, { rule: 'property-name', count: 2 }, { rule: 'site-schema', count: 2 }],
    });
    // Stored events, not refused ones: the rejected and duplicate figures are those without them.
    expect(report.rejected).toEqual({ total: 2, rate: 2 / 24, byReason: [{ code: 'invalid-event', count: 2 }] });
    expect(report.duplicates).toEqual({ total: 2, rate: 2 / 24, byChannel: { browser: 2 } });
  });

  it('answers zeros when nothing was flagged or nothing stored', () => {
    expect(createQualityAccumulator().report(RANGE).flagged).toEqual({ total: 0, rate: 0, byRule: [] });
    const acc = createQualityAccumulator();
    acc.add(raw(['accepted', 'browser', '', 7], ['rejected', 'browser', 'invalid-event', 1]));
    expect(acc.report(RANGE).flagged).toEqual({ total: 0, rate: 0, byRule: [] });
  });
});
