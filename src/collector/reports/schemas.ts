/**
 * JSON schemas of the report answers (shared/reports.ts), given to Fastify as each report route's
 * 200 response schema: it serializes with them (fast-json-stringify), and drops what they do not
 * name. So each mirrors its type field for field; `satisfies` below ties every schema's property
 * names to its type's keys, and the integration tests (reports.test.ts, report-parity.test.ts)
 * compare whole answers.
 */
import type {
  AttributionReport, EventsReport, FunnelReport, OutliersReport, QualityReport, SessionsReport, TopEventsReport,
} from '../../shared/reports.js';

type Schema = Record<string, unknown>;

const num = { type: 'number' } as const;
const int = { type: 'number' } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

/** An object whose properties are exactly `T`'s keys, all required. */
function object<T>(properties: { [K in keyof T]-?: Schema }): Schema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}
const array = (items: Schema): Schema => ({ type: 'array', items });
const countsByName: Schema = { type: 'object', additionalProperties: num };
const nullable = (type: 'number' | 'string'): Schema => ({ type: [type, 'null'] });

const range = { from: int, to: int, tz: str };
const point = { t: int, count: int };

type Item<A> = A extends readonly (infer I)[] ? I : never;

const events = object<EventsReport>({
  ...range,
  bucket: str,
  series: array(object<Item<EventsReport['series']>>({ event: str, total: int, points: array(object<EventsReport['series'][number]['points'][number]>(point)) })),
  totals: object<EventsReport['totals']>({ events: int, byType: countsByName }),
});

const topEvents = object<TopEventsReport>({
  ...range,
  events: array(object<Item<TopEventsReport['events']>>({ event: str, count: int, devices: int })),
});

const sessions = object<SessionsReport>({
  ...range,
  sessions: int,
  events: int,
  devices: int,
  eventsPerSession: object<SessionsReport['eventsPerSession']>({ mean: num, p50: num, p90: num, max: num }),
  histogram: array(object<Item<SessionsReport['histogram']>>({ label: str, sessions: int })),
});

const attribution = object<AttributionReport>({
  ...range,
  conversion: str,
  model: str,
  value: str,
  rows: array(object<Item<AttributionReport['rows']>>({ source: str, medium: str, campaign: str, sessions: int, conversions: int, revenue: num })),
});

const funnel = object<FunnelReport>({
  ...range,
  steps: array(object<Item<FunnelReport['steps']>>({ event: str, sessions: int, fromPrevious: num, fromStart: num })),
});

const loss = { expected: int, received: int, missing: int, rate: num };
const percentiles = { p50: num, p90: num, p99: num, max: num };
type Loss = QualityReport['loss'];

const quality = object<QualityReport>({
  ...range,
  duplicates: object<QualityReport['duplicates']>({ total: int, rate: num, byChannel: countsByName }),
  rejected: object<QualityReport['rejected']>({ total: int, rate: num, byReason: array(object<Item<QualityReport['rejected']['byReason']>>({ code: str, count: int })) }),
  flagged: object<QualityReport['flagged']>({ total: int, rate: num, byRule: array(object<Item<QualityReport['flagged']['byRule']>>({ rule: str, count: int })) }),
  loss: object<Loss>({
    ...loss,
    byBrowser: array(object<Item<Loss['byBrowser']>>({ ...loss, browser: str })),
    byDevice: array(object<Item<Loss['byDevice']>>({ ...loss, deviceId: str, browser: str })),
    manifests: object<Loss['manifests']>({ devices: int, counts: countsByName }),
  }),
  latency: object<QualityReport['latency']>({ ...percentiles, histogram: array(object<Item<QualityReport['latency']['histogram']>>({ le: num, count: int })) }),
  clockSkew: object<QualityReport['clockSkew']>({ ...percentiles, devicesOver1s: int }),
});

const outliers = object<OutliersReport>({
  ...range,
  bucket: str,
  event: nullable('string'),
  params: object<OutliersReport['params']>({ z: num, k: num, window: num, alpha: num }),
  points: array(object<Item<OutliersReport['points']>>({
    ...point, movingAverage: nullable('number'), ewma: num, z: nullable('number'), zOutlier: bool, iqrOutlier: bool,
  })),
  stats: object<OutliersReport['stats']>({ mean: num, stdev: num, q1: num, q3: num, iqr: num }),
});

/** By report name, as in `/v1/reports/<name>`. */
export const REPORT_SCHEMAS: Readonly<Record<string, Schema>> = {
  events, 'top-events': topEvents, sessions, attribution, funnel, quality, outliers,
};
