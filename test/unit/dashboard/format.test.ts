import { describe, expect, it } from 'vitest';
import { formatCount, formatDecimal, formatDuration, formatRate, histogramLabels } from '../../../src/dashboard/format.js';

const L = 'en-US';

describe('dashboard formatting', () => {
  it('writes counts with separators and decimals with at most the digits asked', () => {
    expect(formatCount(1234567, L)).toBe('1,234,567');
    expect(formatCount(0, L)).toBe('0');
    expect(formatDecimal(3.14159, 2, L)).toBe('3.14');
    expect(formatDecimal(2, 2, L)).toBe('2');
  });

  it('writes rates as percentages, keeping small non-zero rates distinguishable from zero', () => {
    expect(formatRate(0, L)).toBe('0 %');
    expect(formatRate(0.5, L)).toBe('50 %');
    expect(formatRate(0.1234, L)).toBe('12.3 %');
    expect(formatRate(0.01234, L)).toBe('1.23 %');
    expect(formatRate(0.001234, L)).toBe('0.12 %');
    expect(formatRate(0.0000412, L)).toBe('0.0041 %');
    expect(formatRate(Number.NaN, L)).toBe('–');
  });

  it('writes durations in the unit that reads fastest, keeping the sign of negative skew', () => {
    expect(formatDuration(0, L)).toBe('0 ms');
    expect(formatDuration(850.4, L)).toBe('850 ms');
    expect(formatDuration(1_250, L)).toBe('1.3 s');
    expect(formatDuration(42_000, L)).toBe('42 s');
    expect(formatDuration(90_000, L)).toBe('1.5 min');
    expect(formatDuration(2 * 3_600_000, L)).toBe('2 h');
    expect(formatDuration(36 * 3_600_000, L)).toBe('1.5 d');
    expect(formatDuration(-2_000, L)).toBe('−2 s');
  });

  it('labels histogram buckets by their upper bound, and an open last bucket by the one before', () => {
    expect(histogramLabels([{ le: 100 }, { le: 1_000 }, { le: null }], L)).toEqual(['≤ 100 ms', '≤ 1 s', '> 1 s']);
    expect(histogramLabels([{ le: Number.POSITIVE_INFINITY }], L)).toEqual(['all']);
  });
});
