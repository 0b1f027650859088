/**
 * The data-quality report from an engine's raw answers: duplicates, rejections and flagged events
 * (from the ingest counters), loss (sequence gaps and manifests), delivery latency and clock skew.
 *
 * The raw answers merge exactly across time chunks (sums, minima, maxima, per-device rows), so the
 * audit command can scan a long range chunk by chunk, with real progress, and report the same
 * figures as one query over the whole range.
 */
import type { QualityReport, ReportRange } from '../../shared/reports.js';
import { lossReport } from './loss.js';
import { FLAGGED_EVENTS } from './quality-recorder.js';
import type { CounterRow, Delays, DeviceRow, ReportSource, TimeRange } from './source.js';
import { percentiles, sortCounts } from './stats.js';

/** Upper bounds (ms) of the latency histogram's buckets; a last bucket up to the maximum follows. */
export const LATENCY_BOUNDS = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000, 86_400_000];

/** A device whose clock is off by more than this is counted in `devicesOver1s`. */
const SKEW_LIMIT_MS = 1_000;

export interface QualityRaw {
  counters: CounterRow[];
  devices: DeviceRow[];
  delays: Delays;
}

export async function fetchQualityRaw(source: ReportSource, range: TimeRange): Promise<QualityRaw> {
  const [counters, { devices, delays }] = await Promise.all([source.counters(range), source.deliveries(range)]);
  return { counters, devices, delays };
}

export interface QualityAccumulator {
  add(raw: QualityRaw): void;
  report(range: ReportRange): QualityReport;
}

export function createQualityAccumulator(): QualityAccumulator {
  const counters = new Map<string, CounterRow>();
  const devices = new Map<string, DeviceRow>();
  const latency = new Map<number, number>();
  const skew = new Map<number, number>();
  let latencyMax: number | null = null;
  let skewMax: number | null = null;

  return {
    add(raw) {
      for (const c of raw.counters) {
        const key = `${c.kind}\n${c.channel}\n${c.code}`;
        const had = counters.get(key);
        if (had) had.count += c.count;
        else counters.set(key, { ...c });
      }
      for (const d of raw.devices) {
        const had = devices.get(d.deviceId);
        devices.set(d.deviceId, had ? mergeDevice(had, d) : { ...d });
      }
      for (const [v, n] of raw.delays.latency) latency.set(v, (latency.get(v) ?? 0) + n);
      for (const [v, n] of raw.delays.skew) skew.set(v, (skew.get(v) ?? 0) + n);
      if (raw.delays.latencyMax !== null) latencyMax = Math.max(latencyMax ?? -Infinity, raw.delays.latencyMax);
      if (raw.delays.skewMax !== null && (skewMax === null || Math.abs(raw.delays.skewMax) > Math.abs(skewMax))) skewMax = raw.delays.skewMax;
    },
    report(range) {
      let accepted = 0;
      let duplicates = 0;
      let rejected = 0;
      let flagged = 0;
      const byChannel: Record<string, number> = {};
      const byReason = new Map<string, number>();
      const byRule = new Map<string, number>();
      for (const c of counters.values()) {
        if (c.kind === 'accepted') accepted += c.count;
        else if (c.kind === 'duplicate') {
          duplicates += c.count;
          byChannel[c.channel] = (byChannel[c.channel] ?? 0) + c.count;
        } else if (c.kind === 'rejected') {
          rejected += c.count;
          byReason.set(c.code, (byReason.get(c.code) ?? 0) + c.count);
        } else if (c.kind === 'flagged') {
          // Stored events, counted under `accepted` already: not copies received of their own.
          if (c.code === FLAGGED_EVENTS) flagged += c.count;
          else byRule.set(c.code, (byRule.get(c.code) ?? 0) + c.count);
        }
      }
      // Every copy received: the denominator of the duplicate and rejected rates.
      const received = accepted + duplicates + rejected;
      const rate = (n: number) => (received === 0 ? 0 : n / received);
      const latencySorted = sortCounts(latency);
      const skewSorted = sortCounts(skew);
      let devicesOver1s = 0;
      for (const d of devices.values()) if (d.minAbsSkew !== null && d.minAbsSkew > SKEW_LIMIT_MS) devicesOver1s++;
      return {
        ...range,
        duplicates: { total: duplicates, rate: rate(duplicates), byChannel },
        rejected: {
          total: rejected,
          rate: rate(rejected),
          byReason: [...byReason].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1)),
        },
        flagged: {
          total: flagged,
          // The share of the events stored.
          rate: accepted === 0 ? 0 : flagged / accepted,
          byRule: [...byRule].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : 1)),
        },
        loss: lossReport(devices.values()),
        latency: { ...percentiles(latencySorted, latencyMax), histogram: latencyHistogram(latencySorted, latencyMax) },
        clockSkew: { ...percentiles(skewSorted, skewMax), devicesOver1s },
      };
    },
  };
}

function mergeDevice(a: DeviceRow, b: DeviceRow): DeviceRow {
  const min = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.min(x, y));
  const max = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
  return {
    deviceId: a.deviceId,
    minSeq: min(a.minSeq, b.minSeq),
    maxSeq: max(a.maxSeq, b.maxSeq),
    // A sequence number belongs to one event, and an event to one chunk: the counts add up.
    seqs: a.seqs + b.seqs,
    userAgent: a.userAgent ?? b.userAgent,
    minAbsSkew: min(a.minAbsSkew, b.minAbsSkew),
    manifest: a.manifest ?? b.manifest,
  };
}

/** Events per latency bucket (not cumulative): `le` is the bucket's upper bound, inclusive. */
export function latencyHistogram(sorted: readonly (readonly [number, number])[], max: number | null): { le: number; count: number }[] {
  const out = LATENCY_BOUNDS.map((le) => ({ le, count: 0 }));
  let over = 0;
  for (const [v, n] of sorted) {
    const i = LATENCY_BOUNDS.findIndex((le) => v <= le);
    if (i >= 0) out[i].count += n;
    else over += n;
  }
  if (over > 0) out.push({ le: max ?? sorted[sorted.length - 1][0], count: over });
  return out;
}
