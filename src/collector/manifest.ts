/**
 * The loss manifest a batch may carry (`BatchBody.manifest`): a device's cumulative counters of
 * what happened to the events it captured, so the collector can report loss per device.
 *
 * Checked lightly, and never at the batch's expense: a manifest that fails a check is ignored (the
 * route counts and logs it) while the batch's events are stored as usual. Unknown keys, at the top
 * or among the counts, are dropped rather than refused, so a newer SDK can add a reason.
 */
import type { LossManifest } from '../shared/event.js';
import type { LossCounts } from './store/store.js';

/** Longest `deviceId` kept (an anonymousId is a UUID; this leaves room for a site's own ids). */
export const MAX_DEVICE_ID_LENGTH = 200;

/** Every reason of `LossManifest['counts']`; the type check below keeps the two lists equal. */
export const LOSS_COUNT_KEYS = [
  'captured', 'stored', 'delivered', 'duplicate', 'rejected', 'evicted', 'expired', 'consent', 'invalid', 'debounced', 'throttled', 'wiped',
] as const satisfies ReadonlyArray<keyof LossCounts>;
type MissingKey = Exclude<keyof LossCounts, (typeof LOSS_COUNT_KEYS)[number]>;
const everyKeyListed: [MissingKey] extends [never] ? true : MissingKey = true;
void everyKeyListed;

export type ManifestCheck =
  | { ok: true; manifest: LossManifest }
  | { ok: false; reason: string };

/** Reads `body.manifest` (anything but `undefined`); the result holds only the known fields. */
export function readManifest(value: unknown): ManifestCheck {
  if (!isPlainObject(value)) return invalid('/manifest must be an object');
  const { deviceId, at, counts, lastSeq } = value as Record<string, unknown>;
  if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > MAX_DEVICE_ID_LENGTH) {
    return invalid(`/manifest/deviceId must be a string of 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  }
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
    return invalid('/manifest/at must be a non-negative number (epoch ms)');
  }
  if (!isPlainObject(counts)) return invalid('/manifest/counts must be an object');
  const kept: LossCounts = {};
  for (const key of LOSS_COUNT_KEYS) {
    if (!Object.hasOwn(counts, key)) continue;
    const n = (counts as Record<string, unknown>)[key];
    if (!isCount(n)) return invalid(`/manifest/counts/${key} must be a non-negative integer`);
    kept[key] = n;
  }
  // null is read as "not said": a JSON encoder may write an unset field that way.
  if (lastSeq !== undefined && lastSeq !== null && !isCount(lastSeq)) {
    return invalid('/manifest/lastSeq must be a non-negative integer');
  }
  const manifest: LossManifest = { deviceId, at: Math.floor(at), counts: kept };
  if (typeof lastSeq === 'number') manifest.lastSeq = lastSeq;
  return { ok: true, manifest };
}

function invalid(reason: string): ManifestCheck {
  return { ok: false, reason };
}

function isPlainObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
