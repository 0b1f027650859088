import { describe, expect, it } from 'vitest';
import { createKeyRing, parseKeysFile } from '../../../src/collector/keys.js';

const S2S = 'Zm9vYmFyYmF6cXV4cXV1eA';
const ADMIN = '3c1f0d8e2b6a4f59a7c1d2e3';

describe('parseKeysFile', () => {
  it('reads kind, key and label per line, skipping comments and blank lines', () => {
    const text = `# keys\n\ns2s   ${S2S}   billing backend\nwrite wk_shop  # shop.example\r\nadmin ${ADMIN}\n`;
    expect(parseKeysFile(text)).toEqual({
      ok: true,
      keys: [
        { kind: 's2s', key: S2S, label: 'billing backend' },
        { kind: 'write', key: 'wk_shop', label: '' },
        { kind: 'admin', key: ADMIN, label: '' },
      ],
    });
    expect(parseKeysFile('')).toEqual({ ok: true, keys: [] });
  });

  it('reads a write or s2s key\'s convention policy, anywhere among the label words', () => {
    expect(parseKeysFile(`write wk_app policy=flag ios app\ns2s ${S2S} billing policy=off`)).toEqual({
      ok: true,
      keys: [
        { kind: 'write', key: 'wk_app', label: 'ios app', policy: 'flag' },
        { kind: 's2s', key: S2S, label: 'billing', policy: 'off' },
      ],
    });
    const ring = createKeyRing([{ kind: 'write', key: 'wk_app', label: 'a', policy: 'flag' }]);
    expect(ring.find('wk_app')?.policy).toBe('flag');
  });

  it.each([
    ['root sk_0123456789abcdefghij', 'line 1: unknown kind (expected write, s2s, admin, read)'],
    ['\ns2s', 'line 2: no key after "s2s"'],
    ['s2s shortkey', 'line 1: s2s keys must be at least 16 characters'],
    ['write wk:1', 'line 1: write keys may only contain letters, digits and . _ ~ + / - (then = padding)'],
    [`s2s ${S2S}\nadmin ${S2S}`, 'line 2: this key is already listed with kind s2s'],
    ['write wk_1 policy=warn', 'line 1: unknown policy "warn" (expected reject, flag, off)'],
    [`admin ${ADMIN} policy=flag`, 'line 1: only write and s2s keys send events, so only they take a policy'],
  ])('refuses %j, naming the line but never the key', (text, error) => {
    const parsed = parseKeysFile(text);
    expect(parsed).toEqual({ ok: false, error });
    expect(error).not.toContain('shortkey');
  });
});

describe('createKeyRing', () => {
  it('finds a key by value and tells its kind, label and a loggable id, never the key', () => {
    const ring = createKeyRing([{ kind: 's2s', key: S2S, label: 'backend' }]);
    const info = ring.find(S2S);
    expect(info).toEqual({ kind: 's2s', label: 'backend', id: expect.stringMatching(/^k_[0-9a-f]{12}$/) });
    expect(JSON.stringify(info)).not.toContain(S2S);
    expect(ring.find(`${S2S}x`)).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
  });

  it('swaps the whole set at once on replace (rotation)', () => {
    const ring = createKeyRing([{ kind: 's2s', key: S2S, label: 'old' }]);
    expect(ring.has('s2s')).toBe(true);
    expect(ring.has('write')).toBe(false);

    ring.replace([{ kind: 's2s', key: `${S2S}new`, label: 'new' }, { kind: 'write', key: 'wk_1', label: '' }]);

    expect(ring.find(S2S)).toBeUndefined();
    expect(ring.find(`${S2S}new`)?.label).toBe('new');
    expect([ring.count('s2s'), ring.count('write'), ring.count('admin')]).toEqual([1, 1, 0]);
  });
});
