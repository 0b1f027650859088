/**
 * The Node libraries, unmodified, with their default path (/v1/batch) and an s2s key as their
 * write key (Basic auth): @segment/analytics-node (JSON) and @rudderstack/rudder-sdk-node (gzip,
 * `Content-Type: application/x-www-form-urlencoded`). Every call type, then a resend after a lost
 * answer and after a 503 through the fault proxy.
 */
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import type { FaultMode, FaultyProxy } from '../helpers/faulty-proxy.js';
import type { Collector } from '../helpers/collector.js';
import { CALLS } from './matrix.mjs';
import {
  DELIVERY_TIMEOUT_MS, GROUP, PAGE, S2S_KEY, SCREEN, TRACK, TRAITS,
  checkCall, expect, faultThenResend, feature, flaggedCount, startProxy, test, waitForRows, withCollector,
  type Expected,
} from './fixtures.js';

/** What a test does with a library: send the six calls, and wait until it has delivered (or given up). */
interface NodeClient {
  track(anonymousId: string): void;
  page(anonymousId: string): void;
  screen(anonymousId: string): void;
  identify(userId: string): void;
  group(userId: string): void;
  alias(userId: string, previousId: string): void;
  /** Delivers everything, resends included; resolves once the library is done. */
  done(): Promise<void>;
  errors: unknown[];
}

/** A server-side page call names its page in `properties` (path, url): the collector fills `context.page` from them. */
const SERVER_PAGE = { ...PAGE.properties, path: '/pricing', url: 'https://shop.example/pricing' };

/**
 * The six calls, made the same way on either library: both take Segment's message objects. Typed
 * structurally, so each library's own message types stay its business.
 */
interface SpecCalls {
  track(message: object): unknown;
  page(message: object): unknown;
  screen(message: object): unknown;
  identify(message: object): unknown;
  group(message: object): unknown;
  alias(message: object): unknown;
}

function sixCalls(analytics: SpecCalls): Omit<NodeClient, 'done' | 'errors'> {
  return {
    track: (anonymousId) => analytics.track({ anonymousId, event: TRACK.event, properties: TRACK.properties }),
    page: (anonymousId) => analytics.page({ anonymousId, category: PAGE.category, name: PAGE.name, properties: SERVER_PAGE }),
    screen: (anonymousId) => analytics.screen({ anonymousId, name: SCREEN.name, properties: SCREEN.properties }),
    identify: (userId) => analytics.identify({ userId, traits: TRAITS }),
    group: (userId) => analytics.group({ userId, groupId: GROUP.groupId, traits: GROUP.traits }),
    alias: (userId, previousId) => analytics.alias({ userId, previousId }),
  };
}

function segmentNode(host: string): NodeClient {
  const analytics = new SegmentAnalytics({ writeKey: S2S_KEY, host, flushAt: 20, flushInterval: 200, maxRetries: 3 });
  const errors: unknown[] = [];
  analytics.on('error', (err) => errors.push(err));
  return { ...sixCalls(analytics), errors, done: () => analytics.closeAndFlush({ timeout: DELIVERY_TIMEOUT_MS }) };
}

function rudderNode(dataPlaneUrl: string): NodeClient {
  const errors: unknown[] = [];
  const analytics = new RudderAnalytics(S2S_KEY, { dataPlaneUrl, flushAt: 20, flushInterval: 200, errorHandler: (err) => errors.push(err) });
  // The first event goes at once, the rest after flushInterval; flush() sends what is queued.
  return { ...sixCalls(analytics), errors, done: () => analytics.flush() };
}

const LIBRARIES = [
  { client: 'segment-node', name: '@segment/analytics-node', library: '@segment/analytics-node', make: segmentNode },
  { client: 'rudder-node', name: '@rudderstack/rudder-sdk-node', library: 'analytics-node', make: rudderNode },
] as const;

const FAULTS: Array<{ id: 'lost-answer' | 'status-503'; mode: FaultMode; seen: 'cut' | 'status' }> = [
  { id: 'lost-answer', mode: { kind: 'cut-after-commit' }, seen: 'cut' },
  { id: 'status-503', mode: { kind: 'status', status: 503 }, seen: 'status' },
];

for (const lib of LIBRARIES) {
  test(`${lib.name}: every call type`, async ({}, testInfo) => {
    test.setTimeout(90_000);
    await withCollector(undefined, async (c: Collector) => {
      const x: Expected = {
        channel: 'server',
        library: lib.library,
        anonymousId: `anon-${lib.client}`,
        userId: `user-${lib.client}`,
        newUserId: `user-${lib.client}-new`,
        pagePath: '/pricing',
        startedAt: Date.now(),
      };
      const client = lib.make(c.url);
      client.track(x.anonymousId);
      client.page(x.anonymousId);
      client.screen(x.anonymousId);
      client.identify(x.userId);
      client.group(x.userId);
      client.alias(x.newUserId, x.userId);
      await client.done();
      const rows = await waitForRows(c.dbPath, (r) => r.length >= CALLS.length, () => client.errors.length > 0);

      for (const call of CALLS) {
        await feature(testInfo, lib.client, call, async () => {
          expect.soft(client.errors.map(String), 'the library reported no error').toEqual([]);
          checkCall(call, rows, x, c.dbPath);
          if (call === 'track') expect.soft(await flaggedCount(c, 'event-name', rows), 'the Spec name is flagged by the quality report').toBeGreaterThanOrEqual(1);
        });
      }
    });
  });

  test(`${lib.name}: resends`, async ({}, testInfo) => {
    test.setTimeout(120_000);
    await withCollector(undefined, async (c: Collector) => {
      const proxy: FaultyProxy = await startProxy(c);
      try {
        for (const fault of FAULTS) {
          await feature(testInfo, lib.client, fault.id, async () => {
            proxy.reset();
            proxy.fail(fault.mode);
            const anonymousId = `anon-${lib.client}-${fault.id}`;
            const client = lib.make(proxy.url);
            client.track(anonymousId);
            await client.done();
            const { faulted, resent } = await faultThenResend(proxy, fault.seen);
            if (fault.seen === 'cut') expect.soft(faulted.upstreamStatus, 'the first copy reached the collector').toBe(200);
            expect.soft(resent.status, 'the resend is answered 200').toBe(200);
            const rows = await waitForRows(c.dbPath, (r) => r.some((row) => row.anonymous_id === anonymousId), () => client.errors.length > 0);
            expect.soft(rows.filter((r) => r.anonymous_id === anonymousId).map((r) => r.event), 'stored once').toEqual([TRACK.event]);
            expect.soft(client.errors.map(String), 'the library reported no error').toEqual([]);
          });
        }
      } finally {
        await proxy.stop();
      }
    });
  });
}
