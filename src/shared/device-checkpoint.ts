/**
 * The device's note to itself, outside the storage a browser may wipe.
 *
 * Safari deletes a site's script-written storage (IndexedDB, localStorage, service workers) after
 * seven days of use without a visit, and any browser may evict it under storage pressure. The
 * outbox goes with it, and so do the device's id and sequence counter: the next visit would start
 * as a new device, and the events that were waiting would vanish without a trace in any report.
 *
 * So the page keeps a first-party cookie (cookies are not that storage) with the device's id, the
 * last sequence number it handed out and how many events were waiting, refreshed whenever the
 * service worker answers a flush. A visit that finds the cookie but no device in IndexedDB knows
 * the storage was wiped: it keeps the device's id, continues its sequence after the last number
 * (so the collector's loss report counts the numbers that never arrived as missing, exactly), and
 * counts the waiting events as `wiped` in the device's loss manifest.
 *
 * What it cannot see: a wipe that took the cookie too (a user clearing site data; Safari also caps
 * a script-written cookie at seven days, so after a week without a visit both are gone), and the
 * events tracked after the last checkpoint. The cookie holds no more than IndexedDB does, and is
 * written only while the device may be remembered (client/sw-connect.ts).
 */

/** The cookie's name. */
export const CHECKPOINT_COOKIE = 'homing_device';

export interface DeviceCheckpoint {
  anonymousId: string;
  /** The last device sequence number handed out. */
  seq: number;
  /** Events waiting in the outbox. */
  pending: number;
}

const ID = /^[0-9A-Za-z_-]{8,64}$/;

/** The cookie's value: `<anonymousId>.<seq>.<pending>` (no character a cookie value must escape). */
export function formatCheckpoint(c: DeviceCheckpoint): string {
  return `${c.anonymousId}.${c.seq}.${c.pending}`;
}

/** The checkpoint in a `document.cookie` string, or null when there is none or it is malformed. */
export function readCheckpoint(cookies: string | undefined): DeviceCheckpoint | null {
  const value = cookies
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${CHECKPOINT_COOKIE}=`))
    ?.slice(CHECKPOINT_COOKIE.length + 1);
  const parts = value?.split('.');
  if (!parts || parts.length !== 3 || !ID.test(parts[0])) return null;
  const [seq, pending] = [Number(parts[1]), Number(parts[2])];
  if (!Number.isSafeInteger(seq) || seq < 0 || !Number.isSafeInteger(pending) || pending < 0) return null;
  return { anonymousId: parts[0], seq, pending };
}
