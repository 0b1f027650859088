import { describe, expect, it } from 'vitest';
import { AUDIT_USAGE } from '../../../../src/collector/audit/audit-options.js';
import { auditChecks } from '../../../../src/collector/audit/audit.js';
import { formatAudit } from '../../../../src/collector/audit/audit-table.js';
import { createQualityAccumulator } from '../../../../src/collector/reports/quality.js';
import { FLAGGED_EVENTS } from '../../../../src/collector/reports/quality-recorder.js';
import type { QualityReport } from '../../../../src/shared/reports.js';

/** 40 stored, 10 of them flagged (one under two rules), 5 rejected, 5 duplicates. */
function report(): QualityReport {
  const acc = createQualityAccumulator();
  const counters = [
    ['accepted', '', 40], ['duplicate', '', 5], ['rejected', 'invalid-event', 5],
    ['flagged', FLAGGED_EVENTS, 10], ['flagged', 'event-name', 8], ['flagged', 'property-name', 3],
  ] as const;
  acc.add({
    counters: counters.map(([kind, code, count]) => ({ kind, channel: 'browser', code, count })),
    devices: [],
    delays: { latency: [], skew: [], latencyMax: null, skewMax: null },
  });
  return acc.report({ from: 0, to: 3_600_000, tz: 'UTC' });
}

const maxima = { missing: null, duplicate: null, rejected: null, flagged: null };

describe('the audit\'s flagged check', () => {
  it('is reported and not checked by default, and fails above its maximum only', () => {
    const r = report();
    expect(r.flagged.rate).toBe(0.25);
    expect(auditChecks(r, maxima).find((c) => c.name === 'flagged rate')).toEqual({ name: 'flagged rate', value: 0.25, max: null, ok: true });
    expect(auditChecks(r, { ...maxima, flagged: 0.25 }).every((c) => c.ok)).toBe(true);
    const failed = auditChecks(r, { ...maxima, flagged: 0.2 });
    expect(failed.filter((c) => !c.ok)).toEqual([{ name: 'flagged rate', value: 0.25, max: 0.2, ok: false }]);
    // Flagged events are stored ones: the rejected rate is over copies received, without them.
    expect(auditChecks(r, { ...maxima, rejected: 0.1 }).find((c) => c.name === 'rejected rate')).toMatchObject({ value: 5 / 50, ok: true });
  });

  it('prints flagged by rule in the table, and names the failed check', () => {
    const r = report();
    const text = formatAudit(r, auditChecks(r, { ...maxima, flagged: 0.2 }), 'x.sqlite');
    expect(text).toMatch(/^flagged rate\s+25\.00 %\s+20\.00 %\s+FAILED$/m);
    expect(text).toMatch(/^flagged\s+10 \(25\.00 % of stored\): event-name 8, property-name 3$/m);
    expect(text).toMatch(/^rejected\s+5 \(10\.00 %\): invalid-event 5$/m);
    expect(text).toMatch(/FAILED: flagged rate 25\.00 % is above 20\.00 %\n$/);
    const quiet = formatAudit(r, auditChecks(r, maxima), 'x.sqlite');
    expect(quiet).toMatch(/^flagged rate\s+25\.00 %\s+-\s+-$/m);
    expect(quiet).toMatch(/all checks passed\n$/);
  });

  it('is in the usage text', () => {
    expect(AUDIT_USAGE).toMatch(/--max-flagged-rate <r>\s+fail above this share of stored events flagged \(off by default\)/);
  });
});
