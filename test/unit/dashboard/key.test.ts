import { describe, expect, it } from 'vitest';
import { adoptFragmentKey, createKeyStore, splitFragment } from '../../../src/dashboard/key.js';

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

describe('dashboard key', () => {
  it('takes the key out of the fragment and keeps the rest', () => {
    expect(splitFragment('#key=abc%2Bdef')).toEqual({ key: 'abc+def', rest: '' });
    expect(splitFragment('#range=7d&key=k1&event=x')).toEqual({ key: 'k1', rest: '#range=7d&event=x' });
    expect(splitFragment('')).toEqual({ key: null, rest: '' });
    expect(splitFragment('#key=')).toEqual({ key: null, rest: '' });
  });

  it('stores a fragment key, removes it from the address bar, and falls back to the stored one', () => {
    const store = createKeyStore(memoryStorage());
    const replaced: string[] = [];
    const history = { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as unknown as History;
    const at = (hash: string) => ({ pathname: '/dashboard', search: '', hash }) as Location;

    expect(adoptFragmentKey(store, at(''), history)).toBeNull();
    expect(adoptFragmentKey(store, at('#key=read-key-1'), history)).toBe('read-key-1');
    expect(replaced).toEqual(['/dashboard']);
    expect(adoptFragmentKey(store, at(''), history)).toBe('read-key-1');
    store.clear();
    expect(store.get()).toBeNull();
  });
});
