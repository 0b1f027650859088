/**
 * The report API, `GET /v1/reports/{events,top-events,sessions,attribution,funnel,quality,outliers}`
 * (answers and parameters in shared/reports.ts), behind a read or admin key.
 *
 * Same origin only: the dashboard is served by the collector itself, so these routes are not
 * cross-origin (cors.ts): no CORS headers, and a site's pages (allowed to send events) cannot read
 * them. Nor is `Origin` checked here: the read key is what protects them.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';
import {
  attributionReport, eventsReport, funnelReport, outliersReport, qualityReport, sessionsReport, topEventsReport,
} from '../reports/answers.js';
import {
  parseAttributionQuery, parseEventsQuery, parseFunnelQuery, parseOutliersQuery, parseRangeQuery, parseTopEventsQuery, type Query,
} from '../reports/query.js';
import { requireReadKey } from '../reports/read-key.js';
import { REPORT_SCHEMAS } from '../reports/schemas.js';
import type { ReportSource } from '../reports/source.js';
import type { RouteDeps } from './deps.js';

export function registerReportRoutes(app: FastifyInstance, deps: RouteDeps, source: ReportSource | null): void {
  function route<Q>(name: string, parse: (q: Query, now: number) => Q, build: (s: ReportSource, q: Q) => Promise<unknown>): void {
    // Fastify serializes the answer with its schema (reports/schemas.ts), faster than JSON.stringify.
    app.get(`/v1/reports/${name}`, { schema: { response: { 200: REPORT_SCHEMAS[name] } } }, async (request, reply) => {
      requireReadKey(deps, request);
      const query = parse(request.query as Query, deps.now());
      if (!source) throw new HttpError(503, 'reports-unavailable', 'this collector has no report source (its store does not answer reports)');
      let answer: unknown;
      try {
        answer = await build(source, query);
      } catch (err) {
        request.log.error({ err, report: name }, 'report failed');
        throw new HttpError(503, 'reports-unavailable', 'the report could not be computed; retry later', { 'retry-after': '5' });
      }
      // Figures change with every event: a cached answer would be a wrong one.
      reply.header('cache-control', 'no-store');
      return answer;
    });
  }

  route('events', parseEventsQuery, eventsReport);
  route('top-events', parseTopEventsQuery, topEventsReport);
  route('sessions', parseRangeQuery, sessionsReport);
  route('attribution', parseAttributionQuery, attributionReport);
  route('funnel', parseFunnelQuery, funnelReport);
  route('quality', parseRangeQuery, qualityReport);
  route('outliers', parseOutliersQuery, outliersReport);
}
