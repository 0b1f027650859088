import { describe, expect, it } from 'vitest';
import { parseCliOptions } from '../../../src/collector/cli-options.js';
import { isClickHouseUrl, parseClickHouseUrl, redactDbUrl } from '../../../src/collector/store/clickhouse-url.js';

describe('parseClickHouseUrl', () => {
  it('reads host, port, database and credentials; http on 8123 by default', () => {
    expect(parseClickHouseUrl('clickhouse://ch.internal/analytics')).toEqual({
      url: 'http://ch.internal:8123', database: 'analytics', username: 'default', password: '',
    });
    expect(parseClickHouseUrl('clickhouse://writer:p%40ss@10.0.0.5:9123/homing')).toEqual({
      url: 'http://10.0.0.5:9123', database: 'homing', username: 'writer', password: 'p@ss',
    });
  });

  it('uses HTTPS for clickhouses:// or ?secure=1 (default port 8443)', () => {
    expect(parseClickHouseUrl('clickhouses://ch.example/db').url).toBe('https://ch.example:8443');
    expect(parseClickHouseUrl('clickhouse://ch.example:8444/db?secure=1').url).toBe('https://ch.example:8444');
    expect(parseClickHouseUrl('clickhouse://ch.example/db?secure=0').url).toBe('http://ch.example:8123');
  });

  it('takes credentials from the environment when the URL has none; the URL wins', () => {
    const env = { HOMING_CLICKHOUSE_USER: 'env-user', HOMING_CLICKHOUSE_PASSWORD: 'env-pass' };
    expect(parseClickHouseUrl('clickhouse://h/db', env)).toMatchObject({ username: 'env-user', password: 'env-pass' });
    expect(parseClickHouseUrl('clickhouse://u:p@h/db', env)).toMatchObject({ username: 'u', password: 'p' });
  });

  it('refuses what it cannot use, saying why', () => {
    expect(() => parseClickHouseUrl('clickhouse://h:8123')).toThrow(/no database/);
    expect(() => parseClickHouseUrl('clickhouse://h/my-db')).toThrow(/database name "my-db"/);
    expect(() => parseClickHouseUrl("clickhouse://h/x;DROP")).toThrow(/database name/);
    expect(() => parseClickHouseUrl('clickhouse://h/db?compress=1')).toThrow(/unknown parameter "compress"/);
    expect(() => parseClickHouseUrl('clickhouse://h/db?secure=yes')).toThrow(/secure must be/);
    expect(() => parseClickHouseUrl('clickhouse:///db')).toThrow(/invalid ClickHouse URL/);
  });

  it('tells ClickHouse URLs from SQLite paths, and hides passwords in what it prints', () => {
    expect(isClickHouseUrl('clickhouse://h/db')).toBe(true);
    expect(isClickHouseUrl('CLICKHOUSES://h/db')).toBe(true);
    expect(isClickHouseUrl('data/clickhouse.sqlite')).toBe(false);
    expect(redactDbUrl('clickhouse://writer:s3cret@h:8123/db')).toBe('clickhouse://writer:***@h:8123/db');
    expect(redactDbUrl('clickhouse://h:8123/db')).toBe('clickhouse://h:8123/db');
    expect(redactDbUrl('data/x.sqlite')).toBe('data/x.sqlite');
  });
});

describe('the CLI with a ClickHouse --db', () => {
  it('accepts a good URL and the group-commit flags', () => {
    const parsed = parseCliOptions(['--db', 'clickhouse://h:8123/homing', '--ch-batch-rows', '5000', '--ch-batch-ms', '10'], {});
    expect(parsed).toMatchObject({ kind: 'run', options: { db: 'clickhouse://h:8123/homing', clickhouseBatchRows: 5000, clickhouseBatchMs: 10 } });
  });

  it('refuses a bad URL or batch size as a usage error', () => {
    expect(parseCliOptions(['--db', 'clickhouse://h:8123/'], {})).toEqual({ kind: 'error', message: expect.stringMatching(/no database/) });
    expect(parseCliOptions(['--ch-batch-rows', '0'], {})).toEqual({ kind: 'error', message: expect.stringMatching(/batch rows "0"/) });
    expect(parseCliOptions(['--ch-batch-ms=1.5'], {})).toEqual({ kind: 'error', message: expect.stringMatching(/batch ms/) });
  });
});
