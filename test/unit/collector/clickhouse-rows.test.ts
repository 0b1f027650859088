import { describe, expect, it } from 'vitest';
import {
  eventRowsToTsv, idTime, mergePatch, sqlString, sqlStringList, sqlStringSet, toEventRow, uuidV7Time, wellFormed,
} from '../../../src/collector/store/clickhouse-rows.js';
import { toStoredEvent } from '../../../src/collector/normalize.js';
import { NOW, wireEvent } from '../../helpers/events.js';

describe('SQL literals (ClickHouse 18.16 has no query parameters)', () => {
  it('escapes backslashes and quotes, so a value can never end its literal', () => {
    expect(sqlString("it's")).toBe("'it\\'s'");
    expect(sqlString('a\\')).toBe("'a\\\\'");
    expect(sqlString("\\' OR 1=1 --")).toBe("'\\\\\\' OR 1=1 --'");
    expect(sqlStringList(['a', "b'"])).toBe("('a','b\\'')");
    expect(sqlStringList([])).toBe("('')");
  });

  it('sends a large id set as one literal split by the server, unless an id holds the separator', () => {
    expect(sqlStringSet(['a', "b'"])).toBe("(SELECT arrayJoin(splitByChar('\\x1f', 'a\x1fb\\'')))");
    expect(sqlStringSet(['a', 'b\x1fc'])).toBe("('a','b\x1fc')");
  });
});

describe('partition time', () => {
  it('reads the millisecond time of a UUIDv7 and nothing from other ids', () => {
    expect(uuidV7Time('01a22361-d628-710f-a706-ff527c3dcff0')).toBe(0x01a22361d628);
    expect(uuidV7Time('4f1c2a7e-1b2d-4c3e-9f4a-5b6c7d8e9f00')).toBeNull(); // v4
    expect(uuidV7Time('not-a-uuid')).toBeNull();
  });

  it('is the same for every copy of an id: the v7 time, else the client timestamp, never the skew-corrected ts', () => {
    const v7 = '01a22361-d628-710f-a706-ff527c3dcff0';
    expect(idTime(v7, '2020-01-01T00:00:00Z', 5)).toBe(0x01a22361d628);
    expect(idTime('m-1', '2026-03-31T23:59:59.000Z', 1_000)).toBe(Date.parse('2026-03-31T23:59:59.000Z'));
    expect(idTime('m-1', '', 1_000)).toBe(1_000);
    expect(idTime('m-1', '1960-01-01T00:00:00Z', 1_000)).toBe(0); // clamped into DateTime's range
  });
});

describe('rows', () => {
  it('replaces lone surrogates (ClickHouse refuses them and the whole INSERT with them)', () => {
    expect(wellFormed('ok \u{1F600}')).toBe('ok \u{1F600}');
    expect(wellFormed('a\uD800b')).toBe('a\uFFFDb');
    expect(wellFormed('\uDC00')).toBe('\uFFFD');
  });

  it('writes TabSeparated lines: NULL as \\N, tabs, newlines and backslashes escaped', () => {
    const e = toStoredEvent(wireEvent({ userId: 'tab\there', anonymousId: 'back\\slash\nline' }), { receivedAt: NOW, batchSentAt: null, channel: 'browser' });
    e.seq = 2 ** 70; // beyond Int64: dropped, or it would fail the whole group's INSERT
    const row = toEventRow(e);
    expect(row.seq).toBeNull();
    const fields = eventRowsToTsv([row, row]).toString('utf8').split('\n');
    expect(fields).toHaveLength(3);
    const cols = fields[0].split('\t');
    expect(cols).toHaveLength(18);
    expect(cols[3]).toBe('back\\\\slash\\nline');
    expect(cols[4]).toBe('tab\\there');
    expect(cols[7]).toBe('\\N'); // sentAt
    expect(cols[8]).toBe('\\N'); // seq
    expect(JSON.parse(cols[16].replace(/\\\\/g, '\\'))).toEqual(e.payload);
  });

  it('merges traits as RFC 7396 (json_patch): null removes, objects merge, the rest replaces', () => {
    expect(mergePatch({ a: 1, b: { c: 1, d: 2 }, e: [1] }, { a: null, b: { d: 3, f: null }, e: [2], g: 'x' })).toEqual({ b: { c: 1, d: 3 }, e: [2], g: 'x' });
  });
});
