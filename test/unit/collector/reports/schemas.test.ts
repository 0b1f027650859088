import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMAS } from '../../../../src/collector/reports/schemas.js';
import type {
  AttributionReport, EventsReport, FunnelReport, OutliersReport, QualityReport, SessionsReport, TopEventsReport,
} from '../../../../src/shared/reports.js';

const range = { from: 1, to: 2, tz: 'Europe/Paris' };
const loss = { expected: 10, received: 9, missing: 1, rate: 0.1 };

/** One answer of each report with every field set (nullable ones both ways across the samples). */
const SAMPLES: Record<string, unknown> = {
  events: {
    ...range, bucket: 'hour', series: [{ event: 'a_b', total: 3, points: [{ t: 0, count: 3 }] }], totals: { events: 4, byType: { track: 3, page: 1 } },
  } satisfies EventsReport,
  'top-events': { ...range, events: [{ event: 'a_b', count: 3, devices: 2 }] } satisfies TopEventsReport,
  sessions: {
    ...range, sessions: 2, events: 5, devices: 1, eventsPerSession: { mean: 2.5, p50: 2, p90: 3, max: 3 }, histogram: [{ label: '1', sessions: 1 }],
  } satisfies SessionsReport,
  attribution: {
    ...range, conversion: 'purchase_completed', model: 'first', value: 'total_value',
    rows: [{ source: 'news', medium: 'email', campaign: '(none)', sessions: 3, conversions: 1, revenue: 12.5 }],
  } satisfies AttributionReport,
  funnel: { ...range, steps: [{ event: 'a', sessions: 4, fromPrevious: 1, fromStart: 1 }, { event: 'b', sessions: 1, fromPrevious: 0.25, fromStart: 0.25 }] } satisfies FunnelReport,
  quality: {
    ...range,
    duplicates: { total: 1, rate: 0.1, byChannel: { browser: 1 } },
    rejected: { total: 2, rate: 0.2, byReason: [{ code: 'invalid-event', count: 2 }] },
    flagged: { total: 1, rate: 0.1, byRule: [{ rule: 'event-name', count: 1 }] },
    loss: {
      ...loss,
      byBrowser: [{ ...loss, browser: 'Firefox' }],
      byDevice: [{ ...loss, deviceId: 'd1', browser: 'Firefox' }],
      manifests: { devices: 1, counts: { expired: 2 } },
    },
    latency: { p50: 1, p90: 2, p99: 3, max: 4, histogram: [{ le: 100, count: 3 }] },
    clockSkew: { p50: -1, p90: 2, p99: 3, max: 1500, devicesOver1s: 1 },
  } satisfies QualityReport,
  outliers: {
    ...range, bucket: 'day', event: null, params: { z: 3, k: 1.5, window: 7, alpha: 0.3 },
    points: [
      { t: 0, count: 1, movingAverage: null, ewma: 1, z: null, zOutlier: false, iqrOutlier: false },
      { t: 1, count: 9, movingAverage: 5, ewma: 3.4, z: 2.5, zOutlier: false, iqrOutlier: true },
    ],
    stats: { mean: 5, stdev: 4, q1: 1, q3: 9, iqr: 8 },
  } satisfies OutliersReport,
};

describe('report response schemas', () => {
  it('cover every report', () => {
    expect(Object.keys(REPORT_SCHEMAS).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.keys(SAMPLES))('serialize a %s answer unchanged (no field dropped or coerced)', async (name) => {
    const app = Fastify();
    app.get('/r', { schema: { response: { 200: REPORT_SCHEMAS[name] } } }, async () => SAMPLES[name]);
    const res = await app.inject({ method: 'GET', url: '/r' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(SAMPLES[name]);
    expect(res.body).toBe(JSON.stringify(SAMPLES[name]));
  });
});
