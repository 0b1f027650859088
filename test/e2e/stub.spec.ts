/**
 * The README's Quick start, pasted into a plain page, running before `homing.js` has loaded (the
 * module's request is held until the page has queued everything): every line works, flush() and
 * stats() wait for the client and resolve the documented shapes, and the page sees no error.
 * The page is the README's snippet as a site would write it, not the demo's page (whose debug
 * configuration logs every error code to the console).
 */
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures.js';

/** The README's Quick start: the stub and `homing.init`, the module, then the calls. */
function quickStartPage(collector: string): string {
  const stub = readFileSync('dist/browser/stub.js', 'utf8').trim();
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Quick start</title>
  <link rel="icon" href="data:,">
  <script>
    ${stub}
    homing.init({ collector: ${JSON.stringify(collector)} });
  </script>
  <script type="module" async src="/homing.js"></script>
</head>
<body>
  <h1>Quick start</h1>
  <script>
    // A classic script: it runs while the page parses, before the held module can.
    window.quickStart = (async () => {
      homing.track('add_to_cart', { product_id: 'sku-1', quantity: 1 });
      homing.page();
      homing.identify('user-42', { plan: 'pro' });
      window.flushed = await homing.flush();            // everything durable, and a delivery attempted
      console.log(await homing.stats());
    })();
    // The same before the client: stats() on the stub is a promise, not a TypeError.
    window.earlyStats = homing.stats();
  </script>
</body>
</html>`;
}

test('the README Quick start runs before homing.js has loaded, without an error', async ({ page, demo, collector }) => {
  test.setTimeout(120_000); // a first visit installs the service worker; this machine is busy
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${String(err)}`));
  const logged: unknown[] = [];
  page.on('console', async (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()} (${msg.location().url})`);
    if (msg.type() === 'log') logged.push(await msg.args()[0]?.jsonValue());
  });

  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let requested = false;
  await page.route('**/homing.js', async (route) => {
    requested = true;
    await held;
    await route.continue();
  });
  await page.route('**/quick-start.html', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: quickStartPage(collector.url) }),
  );

  await page.goto(demo.origin + '/quick-start.html', { waitUntil: 'domcontentloaded' });
  await expect.poll(() => requested, { timeout: 30_000 }).toBe(true);
  // Everything is queued and waiting on the stub: nothing has thrown, flush() has not resolved.
  const before = await page.evaluate(() => {
    const w = window as any;
    return { queued: w.homing.q?.map((call: unknown[]) => call[0]), flushed: 'flushed' in w, stats: typeof w.homing.stats };
  });
  expect(before).toEqual({ queued: ['init', 'track', 'page', 'identify', 'flush', 'stats'], flushed: false, stats: 'function' });

  release();
  await page.evaluate(() => (window as any).quickStart, undefined);
  const flushed = await page.evaluate(() => (window as any).flushed);
  // The documented { delivered, pending }, not the service worker's protocol message.
  expect(Object.keys(flushed).sort()).toEqual(['delivered', 'pending']);
  expect(flushed.delivered + flushed.pending).toBeGreaterThanOrEqual(3);
  expect(flushed.pending).toBe(0);

  // console.log(await homing.stats()) printed the stats, and the one asked for early resolved too.
  await expect.poll(() => logged.length, { timeout: 10_000 }).toBe(1);
  expect(logged[0]).toMatchObject({ captured: expect.any(Number), acked: expect.any(Number), errors: {} });
  expect((logged[0] as { captured: number }).captured).toBeGreaterThanOrEqual(3);
  const early = await page.evaluate(() => (window as any).earlyStats);
  expect(early).toMatchObject({ captured: expect.any(Number), errors: {} });

  await expect.poll(() => collector.events().map((r) => r.event.event ?? r.event.type).sort(), { timeout: 30_000 }).toEqual(
    expect.arrayContaining(['add_to_cart', 'identify', 'page']),
  );
  // A flush on the loaded client: the same public shape.
  const again = await page.evaluate(() => (window as any).homing.flush());
  expect(Object.keys(again).sort()).toEqual(['delivered', 'pending']);
  expect(problems).toEqual([]);
});
