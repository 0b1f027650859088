/**
 * The browser libraries, unmodified, in Chromium: @segment/analytics-next (per call and batching)
 * and @rudderstack/analytics-js (XHR per call, XHR batches, beacon). The page is served from
 * another origin than the collector's, and the collector is started with `--origins` naming the
 * page's origin, so every request goes through CORS (preflights included). Neither library
 * fetches anything from the internet: analytics-next gets `cdnSettings`, or `cdnURL` naming the
 * collector (which serves the settings); analytics-js is the `/bundled` build (no remote plugins)
 * with `getSourceConfig`.
 */
import type { Browser, Page } from '@playwright/test';
import type { FaultMode } from '../helpers/faulty-proxy.js';
import type { Collector } from '../helpers/collector.js';
import { CALLS, type CallType } from './matrix.mjs';
import {
  GROUP, PAGE, SCREEN, TRACK, TRAITS, WRITE_KEY,
  checkCall, expect, faultThenResend, feature, flaggedCount, startProxy, test, waitForRows, withCollector,
  type Expected,
} from './fixtures.js';
import { startSite, type Library, type Site } from './site.js';

let site: Site;
test.beforeAll(async () => {
  site = await startSite();
});
test.afterAll(async () => {
  await site?.close();
});

interface Mode {
  client: string;
  name: string;
  library: Library;
  /** `context.library.name` of its events. */
  libraryName: string;
  calls: readonly CallType[];
  /** Loads the library on `page`, sending to `target` (the collector or the proxy). */
  load(page: Page, target: string): Promise<void>;
  /** Makes the calls (the anonymous ones first); resolves with the page's anonymousId. */
  send(page: Page, x: Omit<Expected, 'anonymousId'>): Promise<string>;
  /** One track call with `order_id` set, for the resend checks. */
  trackOnce?(page: Page, orderId: string): Promise<void>;
}

const CALL_ARGS = { track: TRACK, page: PAGE, screen: SCREEN, traits: TRAITS, group: GROUP };

/**
 * analytics-next's settings: `inline` gives them as `cdnSettings` (what Segment's CDN would answer,
 * naming the collector as the Segment.io host); `collector` gives only `cdnURL`, the collector, which
 * answers `GET /v1/projects/<writeKey>/settings` naming itself.
 */
function segmentMode(client: string, name: string, batching: boolean, settings: 'inline' | 'collector' = 'inline'): Mode {
  return {
    client,
    name,
    library: 'segment',
    libraryName: 'analytics.js',
    calls: CALLS,
    async load(page, target) {
      await page.goto(site.page('segment'));
      await page.evaluate(
        async ({ writeKey, target, apiHost, batching, settings }) => {
          const w = window as any;
          if (settings === 'collector') {
            const [analytics] = await w.AnalyticsBrowser.load({ writeKey, cdnURL: target });
            w.segment = analytics;
            return;
          }
          const segmentIo: Record<string, unknown> = { apiKey: writeKey, apiHost, protocol: 'http' };
          if (batching) segmentIo.deliveryStrategy = { strategy: 'batching', config: { size: 10, timeout: 1000 } };
          // Remote metrics off, as the collector's own settings have them (left on, the library
          // posts its usage counters to <apiHost>/m every 30 s).
          const [analytics] = await w.AnalyticsBrowser.load({ writeKey, cdnSettings: { integrations: { 'Segment.io': segmentIo }, metrics: { sampleRate: 0 } } });
          w.segment = analytics;
        },
        { writeKey: WRITE_KEY, target, apiHost: `${new URL(target).host}/v1`, batching, settings },
      );
    },
    send(page, x) {
      return page.evaluate(
        async ({ a, userId, newUserId }) => {
          const s = (window as any).segment;
          await s.track(a.track.event, a.track.properties);
          await s.page(a.page.category, a.page.name, a.page.properties);
          await s.screen(a.screen.name, a.screen.properties);
          // alias() before identify(), the order Segment documents: once a user is identified,
          // analytics-next 1.84.3 overwrites alias's new id with that user's id (its event
          // factory's addIdentity runs after alias set userId), so the new id never leaves the page.
          await s.alias(newUserId, userId);
          await s.identify(userId, a.traits);
          await s.group(a.group.groupId, a.group.traits);
          return s.user().anonymousId() as string;
        },
        { a: CALL_ARGS, userId: x.userId, newUserId: x.newUserId },
      );
    },
    // Resends are checked with inline settings: through the fault proxy, the collector's settings
    // would name the collector itself (the Host it was reached at), not the proxy.
    trackOnce:
      settings === 'inline'
        ? async (page, orderId) => {
            await page.evaluate(
              async ({ a, orderId }) => {
                await (window as any).segment.track(a.track.event, { ...a.track.properties, order_id: orderId });
              },
              { a: CALL_ARGS, orderId },
            );
          }
        : undefined,
  };
}

function rudderMode(client: string, name: string, options: Record<string, unknown>, faults: boolean): Mode {
  return {
    client,
    name,
    library: 'rudder',
    libraryName: 'RudderLabs JavaScript SDK',
    calls: CALLS.filter((c) => c !== 'screen'),
    async load(page, target) {
      await page.goto(site.page('rudder'));
      await page.evaluate(
        async ({ writeKey, dataPlaneUrl, options }) => {
          const w = window as any;
          const rudder = new w.RudderAnalytics();
          await new Promise<void>((resolve) => {
            rudder.load(writeKey, dataPlaneUrl, {
              ...options,
              logLevel: 'ERROR',
              // The source's configuration, as RudderStack's control plane would answer it: no
              // destinations, so no device-mode SDK is loaded either.
              getSourceConfig: () => ({ source: { id: 'compat-source', name: 'compat', workspaceId: 'compat-workspace', enabled: true, config: {}, destinations: [] } }),
              onLoaded: () => resolve(),
            });
          });
          w.rudder = rudder;
        },
        { writeKey: WRITE_KEY, dataPlaneUrl: target, options },
      );
    },
    send(page, x) {
      return page.evaluate(
        ({ a, userId, newUserId }) => {
          const r = (window as any).rudder;
          r.track(a.track.event, a.track.properties);
          r.page(a.page.category, a.page.name, a.page.properties);
          r.identify(userId, a.traits);
          r.group(a.group.groupId, a.group.traits);
          r.alias(newUserId, userId);
          return r.getAnonymousId() as string;
        },
        { a: CALL_ARGS, userId: x.userId, newUserId: x.newUserId },
      );
    },
    trackOnce: faults
      ? async (page, orderId) => {
          await page.evaluate(
            ({ a, orderId }) => {
              (window as any).rudder.track(a.track.event, { ...a.track.properties, order_id: orderId });
            },
            { a: CALL_ARGS, orderId },
          );
        }
      : undefined,
  };
}

const MODES: Mode[] = [
  segmentMode('segment-next', '@segment/analytics-next (per call)', false),
  segmentMode('segment-next-batching', '@segment/analytics-next (batching)', true),
  segmentMode('segment-next-cdn-url', '@segment/analytics-next (settings from the collector)', false, 'collector'),
  rudderMode('rudder-js', '@rudderstack/analytics-js (XHR)', {}, true),
  rudderMode('rudder-js-batch', '@rudderstack/analytics-js (XHR batches)', { queueOptions: { batch: { enabled: true, maxItems: 10, flushInterval: 1000 } } }, false),
  rudderMode('rudder-js-beacon', '@rudderstack/analytics-js (beacon)', { useBeacon: true, beaconQueueOptions: { maxItems: 10, flushQueueInterval: 1000 } }, false),
];

const FAULTS: Array<{ id: 'lost-answer' | 'status-503'; mode: FaultMode; seen: 'cut' | 'status' }> = [
  { id: 'lost-answer', mode: { kind: 'cut-after-commit' }, seen: 'cut' },
  { id: 'status-503', mode: { kind: 'status', status: 503 }, seen: 'status' },
];

/** Page errors and console errors, to show in a failure (a library that cannot send logs why). */
function watch(page: Page): string[] {
  const log: string[] = [];
  page.on('pageerror', (err) => log.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') log.push(`console.${msg.type()}: ${msg.text()}`);
  });
  return log;
}

for (const mode of MODES) {
  test(`${mode.name}: every call type`, async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    const log = watch(page);
    await withCollector(site.url, async (c: Collector) => {
      const base = {
        channel: 'browser' as const,
        library: mode.libraryName,
        userId: `user-${mode.client}`,
        newUserId: `user-${mode.client}-new`,
        pagePath: site.path(mode.library),
        startedAt: Date.now(),
      };
      await mode.load(page, c.url);
      const anonymousId = await mode.send(page, base);
      const x: Expected = { ...base, anonymousId };
      const rows = await waitForRows(c.dbPath, (r) => r.length >= mode.calls.length);

      for (const call of mode.calls) {
        await feature(testInfo, mode.client, call, async () => {
          checkCall(call, rows, x, c.dbPath);
          if (call === 'track') expect.soft(await flaggedCount(c, 'event-name', rows), 'the Spec name is flagged by the quality report').toBeGreaterThanOrEqual(1);
        });
      }
      expect(rows.length, `stored ${rows.length} of ${mode.calls.length} events; page log:\n${log.join('\n')}`).toBe(mode.calls.length);
    });
  });

  const trackOnce = mode.trackOnce;
  if (!trackOnce) continue;
  test(`${mode.name}: resends`, async ({ browser }, testInfo) => {
    test.setTimeout(120_000);
    await withCollector(site.url, async (c: Collector) => {
      const proxy = await startProxy(c);
      try {
        for (const fault of FAULTS) {
          await feature(testInfo, mode.client, fault.id, () => resendCheck(browser, mode, trackOnce, c, proxy, fault));
        }
      } finally {
        await proxy.stop();
      }
    });
  });
}

async function resendCheck(
  browser: Browser,
  mode: Mode,
  trackOnce: NonNullable<Mode['trackOnce']>,
  c: Collector,
  proxy: Awaited<ReturnType<typeof startProxy>>,
  fault: (typeof FAULTS)[number],
): Promise<void> {
  // A fresh context per fault: nothing queued or cached from the previous one.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const log = watch(page);
    proxy.reset();
    proxy.fail(fault.mode);
    await mode.load(page, proxy.url);
    const orderId = `${mode.client}-${fault.id}`;
    await trackOnce(page, orderId);
    const { faulted, resent } = await faultThenResend(proxy, fault.seen);
    if (fault.seen === 'cut') expect.soft(faulted.upstreamStatus, 'the first copy reached the collector').toBe(200);
    expect.soft(resent.status, `the resend is answered 200; page log:\n${log.join('\n')}`).toBe(200);
    const mine = (rows: Awaited<ReturnType<typeof waitForRows>>) => rows.filter((r) => r.payload.properties?.order_id === orderId);
    const rows = await waitForRows(c.dbPath, (r) => mine(r).length > 0);
    expect.soft(mine(rows).map((r) => [r.type, r.event, r.channel]), 'stored once').toEqual([['track', TRACK.event, 'browser']]);
  } finally {
    await context.close();
  }
}
