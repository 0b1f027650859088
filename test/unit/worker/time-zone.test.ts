import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Capture, PageEnvironment } from '../../../src/shared/protocol.js';

// The page no longer sends the time zone (client/environment.ts); the enricher reads its own.
const env: PageEnvironment = { userAgent: 'UA', locale: 'en', screen: { width: 1, height: 1, density: 1 } };
const capture: Capture & { type: 'track' } = { type: 'track', messageId: 'm', ts: 0, event: 'e', page: { url: 'https://a.test/', path: '/', search: '', title: '', referrer: '' } };

/** enrich.ts with a fresh time-zone.ts (it keeps what it read per context), under a fake Intl. */
async function freshEnrich(timeZone: string | (() => never)) {
  vi.resetModules();
  const fake = vi.fn(function (this: unknown) {
    if (typeof timeZone === 'function') timeZone();
    return { resolvedOptions: () => ({ timeZone }) };
  });
  vi.spyOn(Intl, 'DateTimeFormat').mockImplementation(fake as unknown as typeof Intl.DateTimeFormat);
  const { enrich } = await import('../../../src/capture/enrich.js');
  return { enrich, fake };
}

afterEach(() => vi.restoreAllMocks());

describe('context.timezone, read off the page', () => {
  it("is the worker's own time zone when the page sent none, read once per context", async () => {
    const { enrich, fake } = await freshEnrich('Pacific/Chatham');
    expect(enrich(capture, { anonymousId: 'a' }, env).context.timezone).toBe('Pacific/Chatham');
    expect(enrich(capture, { anonymousId: 'a' }, env).context.timezone).toBe('Pacific/Chatham');
    expect(fake).toHaveBeenCalledTimes(1);
  });

  it('keeps a time zone the page did send (a page from before the change, a hand-off)', async () => {
    const { enrich, fake } = await freshEnrich('Pacific/Chatham');
    expect(enrich(capture, { anonymousId: 'a' }, { ...env, timezone: 'Europe/London' }).context.timezone).toBe('Europe/London');
    expect(fake).not.toHaveBeenCalled();
  });

  it('leaves it out, without throwing, where Intl cannot say', async () => {
    const { enrich } = await freshEnrich(() => {
      throw new RangeError('no ICU');
    });
    const event = enrich(capture, { anonymousId: 'a' }, env);
    expect(event.context.timezone).toBeUndefined();
    expect(event.context.locale).toBe('en');
  });
});
