import { describe, expect, it } from 'vitest';
import { browserFamily } from '../../../../src/collector/reports/browser.js';
import { deviceLoss, lossReport } from '../../../../src/collector/reports/loss.js';
import type { DeviceRow } from '../../../../src/collector/reports/source.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** A device that sent `from..to` except the numbers in `gaps`. */
function device(deviceId: string, userAgent: string | null, from: number, to: number, gaps: number[] = []): DeviceRow {
  const seqs = to - from + 1 - gaps.length;
  return { deviceId, minSeq: from, maxSeq: to, seqs, userAgent, minAbsSkew: null, manifest: null };
}

describe('loss from sequence gaps', () => {
  it('counts missing events per device, per browser and overall, with rates', () => {
    const report = lossReport([
      device('a', CHROME, 1, 10, [4, 7]),
      device('b', FIREFOX, 5, 9),
      device('c', CHROME, 1, 20, [2]),
      { deviceId: 'server-only', minSeq: null, maxSeq: null, seqs: 0, userAgent: null, minAbsSkew: 5, manifest: null },
    ]);
    expect({ expected: report.expected, received: report.received, missing: report.missing }).toEqual({ expected: 35, received: 32, missing: 3 });
    expect(report.rate).toBeCloseTo(3 / 35, 12);
    expect(report.byBrowser).toEqual([
      { browser: 'Chrome', expected: 30, received: 27, missing: 3, rate: 0.1 },
      { browser: 'Firefox', expected: 5, received: 5, missing: 0, rate: 0 },
    ]);
    expect(report.byDevice).toEqual([
      { deviceId: 'a', browser: 'Chrome', expected: 10, received: 8, missing: 2, rate: 0.2 },
      { deviceId: 'c', browser: 'Chrome', expected: 20, received: 19, missing: 1, rate: 0.05 },
    ]);
  });

  it('sums the latest manifests of the devices seen', () => {
    const a = { ...device('a', CHROME, 1, 3), manifest: { captured: 10, evicted: 2 } };
    const b = { ...device('b', CHROME, 1, 3), manifest: { captured: 5, consent: 1 } };
    expect(lossReport([a, b, device('c', null, 1, 1)]).manifests).toEqual({ devices: 2, counts: { captured: 15, evicted: 2, consent: 1 } });
  });

  it('never reports negative loss when two devices share an id (more numbers than the span)', () => {
    expect(deviceLoss({ minSeq: 1, maxSeq: 3, seqs: 5 })).toEqual({ expected: 3, received: 3, missing: 0, rate: 0 });
  });

  it('keeps at most 100 devices, worst first', () => {
    const many = Array.from({ length: 150 }, (_, i) => device(`d${String(i).padStart(3, '0')}`, CHROME, 1, 200, Array.from({ length: i % 7 }, (_, g) => g + 2)));
    const worst = lossReport(many).byDevice;
    expect(worst).toHaveLength(100);
    expect(worst[0].missing).toBe(6);
    expect(worst.every((d, i) => i === 0 || d.missing <= worst[i - 1].missing)).toBe(true);
  });
});

describe('browser family', () => {
  it.each([
    [CHROME, 'Chrome'],
    [FIREFOX, 'Firefox'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari'],
    [`${CHROME} Edg/131.0.0.0`, 'Edge'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1', 'Chrome'],
    [`${CHROME} OPR/115.0.0.0`, 'other'],
    ['curl/8.5.0', 'other'],
    [null, 'other'],
  ])('%s is %s', (ua, family) => {
    expect(browserFamily(ua)).toBe(family);
  });
});
