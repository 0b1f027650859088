// The compatibility matrix: which third-party clients the suite drives (one row each in
// docs/compatibility.md), which features it checks for them (the columns), and which test of the
// suite decides each cell. Shared by the tests (test/clients/*.spec.ts), the reporter that
// collects their outcomes (test/clients/compat-reporter.ts) and the renderer
// (scripts/compat-table.mjs), so a cell can only come from the test named here.
//
// Plain JavaScript so scripts/compat-table.mjs runs with node alone, without a TypeScript loader.

/** Columns, in order. */
export const FEATURES = [
  { id: 'track', title: 'track (Spec name)' },
  { id: 'page', title: 'page' },
  { id: 'screen', title: 'screen' },
  { id: 'identify', title: 'identify' },
  { id: 'group', title: 'group' },
  { id: 'alias', title: 'alias' },
  { id: 'lost-answer', title: 'resend after a lost answer' },
  { id: 'status-503', title: 'resend after a 503' },
];

export const CALLS = ['track', 'page', 'screen', 'identify', 'group', 'alias'];

const NOTE_ALIAS = '`alias()` is called before `identify()`, as Segment documents it: after `identify()`, analytics-next 1.84.3 replaces the new id of an `alias()` with the identified user\'s id in the event itself (`userId` = `previousId`), whatever the collector does';

/**
 * Rows. `calls` is the title of the test that sends every call type, `faults` the one that
 * checks the resends; `na` maps a feature the client does not have to the reason (an em dash in
 * the table, the reason in a note under it); `note`, when set, is a fact about the library the
 * table's reader needs (a numbered note under the table, its number next to the client).
 */
export const CLIENTS = [
  {
    id: 'segment-node',
    package: '@segment/analytics-node',
    runtime: 'Node',
    transport: 'batches to `/v1/batch`, Basic auth with an s2s key',
    calls: '@segment/analytics-node: every call type',
    faults: '@segment/analytics-node: resends',
    na: {},
  },
  {
    id: 'rudder-node',
    package: '@rudderstack/rudder-sdk-node',
    runtime: 'Node',
    transport: 'gzip batches to `/v1/batch` (`Content-Type: application/x-www-form-urlencoded`), Basic auth with an s2s key',
    calls: '@rudderstack/rudder-sdk-node: every call type',
    faults: '@rudderstack/rudder-sdk-node: resends',
    na: {},
  },
  {
    id: 'segment-next',
    package: '@segment/analytics-next',
    runtime: 'Chromium',
    transport: 'one request per call to `/v1/t`, `/v1/p`, `/v1/s`, `/v1/i`, `/v1/g`, `/v1/a` (`text/plain`, Basic auth: CORS preflight)',
    calls: '@segment/analytics-next (per call): every call type',
    note: NOTE_ALIAS,
    faults: '@segment/analytics-next (per call): resends',
    na: {},
  },
  {
    id: 'segment-next-batching',
    package: '@segment/analytics-next',
    runtime: 'Chromium',
    transport: "`deliveryStrategy: { strategy: 'batching' }`: batches to `/v1/b`",
    calls: '@segment/analytics-next (batching): every call type',
    note: NOTE_ALIAS,
    faults: '@segment/analytics-next (batching): resends',
    na: {},
  },
  {
    id: 'segment-next-cdn-url',
    package: '@segment/analytics-next',
    runtime: 'Chromium',
    transport: '`cdnURL` naming the collector: settings from `GET /v1/projects/<writeKey>/settings`, then as per call',
    calls: '@segment/analytics-next (settings from the collector): every call type',
    faults: null,
    note: NOTE_ALIAS,
    na: {
      'lost-answer': 'the same per-call delivery as the first analytics-next row, which is tested',
      'status-503': 'the same per-call delivery as the first analytics-next row, which is tested',
    },
  },
  {
    id: 'rudder-js',
    package: '@rudderstack/analytics-js',
    runtime: 'Chromium',
    transport: 'XHR, one request per call to `/v1/track`, `/v1/page`, … (`AnonymousId`, `SentAt` headers: CORS preflight)',
    calls: '@rudderstack/analytics-js (XHR): every call type',
    faults: '@rudderstack/analytics-js (XHR): resends',
    na: { screen: 'the browser SDK has no `screen()`' },
  },
  {
    id: 'rudder-js-batch',
    package: '@rudderstack/analytics-js',
    runtime: 'Chromium',
    transport: 'XHR with `queueOptions.batch.enabled`: batches to `/v1/batch`',
    calls: '@rudderstack/analytics-js (XHR batches): every call type',
    faults: null,
    na: {
      screen: 'the browser SDK has no `screen()`',
      'lost-answer': 'the same XHR queue as the row above, which is tested',
      'status-503': 'the same XHR queue as the row above, which is tested',
    },
  },
  {
    id: 'rudder-js-beacon',
    package: '@rudderstack/analytics-js',
    runtime: 'Chromium',
    transport: '`useBeacon: true`: `sendBeacon` to `/beacon/v1/batch?writeKey=…` (`text/plain`, no preflight)',
    calls: '@rudderstack/analytics-js (beacon): every call type',
    faults: null,
    na: {
      screen: 'the browser SDK has no `screen()`',
      'lost-answer': '`sendBeacon` never sees an answer, so the library never resends',
      'status-503': '`sendBeacon` never sees an answer, so the library never resends',
    },
  },
];

/** The test that decides a cell, or null when the feature does not apply to the client. */
export function testFor(client, feature) {
  if (client.na[feature] !== undefined) return null;
  return CALLS.includes(feature) ? client.calls : client.faults;
}
