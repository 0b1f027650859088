/**
 * The device's IANA time zone, for `context.timezone`. Read here, in the worker (and in the service
 * worker on the `pagehide` hand-off path, which enriches with the same code), never on the page:
 * the first `Intl.DateTimeFormat().resolvedOptions()` of a JS context loads ICU locale data, which
 * measured 36–63 ms of self time in one main-thread task of a fresh Chromium page at 1× (the bulk
 * of the 60–120 ms long task Homing's start used to be; 190–630 ms at 4× CPU throttling). The
 * worker shares the page's process and time zone, so the answer is the same; it is read once per
 * context, on the first event.
 */
let zone: string | undefined;

export function localTimeZone(): string | undefined {
  if (zone === undefined) {
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      zone = '';
    }
  }
  return zone || undefined;
}
