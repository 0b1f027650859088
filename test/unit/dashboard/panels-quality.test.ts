// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { renderRejected } from '../../../src/dashboard/panels.js';
import type { QualityReport } from '../../../src/shared/reports.js';

function quality(over: Partial<QualityReport>): QualityReport {
  return {
    from: 0, to: 1, tz: 'UTC',
    duplicates: { total: 0, rate: 0, byChannel: {} },
    rejected: { total: 1, rate: 0.05, byReason: [{ code: 'invalid-event', count: 1 }] },
    flagged: { total: 0, rate: 0, byRule: [] },
    loss: { expected: 0, received: 0, missing: 0, rate: 0, byBrowser: [], byDevice: [], manifests: { devices: 0, counts: {} } },
    latency: { p50: 0, p90: 0, p99: 0, max: 0, histogram: [] },
    clockSkew: { p50: 0, p90: 0, p99: 0, max: 0, devicesOver1s: 0 },
    ...over,
  } as QualityReport;
}

const rows = (el: Element, name: string) =>
  [...el.querySelectorAll(`table[data-table="${name}"] tbody tr`)].map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => (td.dataset.value === undefined ? td.textContent : Number(td.dataset.value))));

describe('the dashboard\'s rejected and flagged card', () => {
  it('lists rejections by reason, then flagged events by rule with their share of the events stored', () => {
    const el = document.createElement('div');
    renderRejected(el, quality({ flagged: { total: 4, rate: 0.2, byRule: [{ rule: 'event-name', count: 3 }, { rule: 'site-schema', count: 2 }] } }));
    expect(rows(el, 'rejected')).toEqual([['invalid-event', 1]]);
    expect(rows(el, 'flagged')).toEqual([['event-name', 3], ['site-schema', 2]]);
    expect(el.querySelector('h3')?.textContent).toMatch(/^Flagged: 4 stored \(20(\.0)? ?% of the events stored\)$/);
  });

  it('says when nothing was flagged', () => {
    const el = document.createElement('div');
    renderRejected(el, quality({}));
    expect(el.querySelector('[data-empty="flagged"]')?.textContent).toBe('Nothing was flagged in this range.');
  });
});
