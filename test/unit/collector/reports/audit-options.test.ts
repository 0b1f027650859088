import { describe, expect, it } from 'vitest';
import { parseAuditOptions } from '../../../../src/collector/audit/audit-options.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const parse = (...argv: string[]) => parseAuditOptions(argv, {}, NOW);

describe('audit options', () => {
  it('reads times as ISO, epoch ms, now or relative, with the missing-rate check on by default', () => {
    expect(parse('--db', 'x.sqlite', '--from', 'now-24h', '--to', 'now')).toEqual({
      kind: 'run',
      options: { db: 'x.sqlite', from: NOW - 86_400_000, to: NOW, maxMissingRate: 0.01, maxDuplicateRate: null, maxRejectedRate: null, maxFlaggedRate: null, json: false },
    });
    const p = parse('--db', 'x', '--from', '2026-11-01T00:00:00Z', '--to', String(NOW), '--max-duplicate-rate', '0.05', '--max-rejected-rate', '0', '--max-flagged-rate', '0.2', '--json');
    expect(p.kind === 'run' && [p.options.from, p.options.maxDuplicateRate, p.options.maxRejectedRate, p.options.maxFlaggedRate, p.options.json]).toEqual([
      Date.parse('2026-11-01T00:00:00Z'), 0.05, 0, 0.2, true,
    ]);
    expect(parseAuditOptions(['--from', 'now-7d', '--to', 'now'], { HOMING_DB: 'env.sqlite' }, NOW)).toMatchObject({ kind: 'run', options: { db: 'env.sqlite' } });
  });

  it.each([
    [['--from', 'now-1h', '--to', 'now'], /--db is required/],
    [['--db', 'x', '--to', 'now'], /--from is required/],
    [['--db', 'x', '--from', 'last week', '--to', 'now'], /invalid --from "last week"/],
    [['--db', 'x', '--from', 'now', '--to', 'now-1h'], /--from must be before --to/],
    [['--db', 'x', '--from', 'now-1h', '--to', 'now', '--max-missing-rate', '5'], /expected a rate from 0 to 1/],
    [['--db', 'x', '--from', 'now-1h', '--to', 'now', '--max-flagged-rate', '1.5'], /invalid --max-flagged-rate "1.5": expected a rate from 0 to 1/],
    [['--db', 'x', '--from', 'now-1h', '--to', 'now', '--max-flagged-rate', ''], /invalid --max-flagged-rate ""/],
    [['--db', 'x', '--from', 'now-1h', '--to', 'now', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j', (argv, message) => {
    const p = parse(...argv);
    expect(p.kind).toBe('error');
    expect(p.kind === 'error' && p.message).toMatch(message);
  });
});
