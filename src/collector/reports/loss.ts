/**
 * Loss from per-device sequence numbers: a device numbers every event it commits (1, 2, 3, …), so
 * the numbers between its lowest and highest seen that never arrived are missing events. Counted
 * per device, per browser family and overall, as a count and a rate.
 *
 * Only the range's own numbers count: an event lost just before the range's first arrival, or
 * after its last, is invisible here (the loss manifests, counted by the device itself, cover that).
 */
import type { LossFigures, QualityReport } from '../../shared/reports.js';
import { browserFamily } from './browser.js';
import type { DeviceRow } from './source.js';

/** Devices listed in `byDevice`, worst first. */
export const MAX_LOSS_DEVICES = 100;

export function deviceLoss(d: Pick<DeviceRow, 'minSeq' | 'maxSeq' | 'seqs'>): LossFigures {
  if (d.minSeq === null || d.maxSeq === null || d.seqs === 0) return { expected: 0, received: 0, missing: 0, rate: 0 };
  const expected = d.maxSeq - d.minSeq + 1;
  // More distinct numbers than the span can only come from two devices sharing an id: no loss to see.
  const received = Math.min(d.seqs, expected);
  const missing = expected - received;
  return { expected, received, missing, rate: missing / expected };
}

function add(a: LossFigures, b: LossFigures): LossFigures {
  const expected = a.expected + b.expected;
  const missing = a.missing + b.missing;
  return { expected, received: a.received + b.received, missing, rate: expected === 0 ? 0 : missing / expected };
}

const NONE: LossFigures = { expected: 0, received: 0, missing: 0, rate: 0 };

export function lossReport(devices: Iterable<DeviceRow>): QualityReport['loss'] {
  let overall = NONE;
  const byBrowser = new Map<string, LossFigures>();
  const worst: QualityReport['loss']['byDevice'] = [];
  const manifests = { devices: 0, counts: {} as Record<string, number> };
  for (const d of devices) {
    if (d.manifest) {
      manifests.devices++;
      for (const [reason, n] of Object.entries(d.manifest)) {
        if (typeof n === 'number') manifests.counts[reason] = (manifests.counts[reason] ?? 0) + n;
      }
    }
    const loss = deviceLoss(d);
    if (loss.expected === 0) continue;
    const browser = browserFamily(d.userAgent);
    overall = add(overall, loss);
    byBrowser.set(browser, add(byBrowser.get(browser) ?? NONE, loss));
    if (loss.missing > 0) worst.push({ deviceId: d.deviceId, browser, ...loss });
  }
  worst.sort((a, b) => b.missing - a.missing || b.rate - a.rate || (a.deviceId < b.deviceId ? -1 : 1));
  return {
    ...overall,
    byBrowser: [...byBrowser].map(([browser, f]) => ({ browser, ...f })).sort((a, b) => b.expected - a.expected || (a.browser < b.browser ? -1 : a.browser > b.browser ? 1 : 0)),
    byDevice: worst.slice(0, MAX_LOSS_DEVICES),
    manifests,
  };
}
