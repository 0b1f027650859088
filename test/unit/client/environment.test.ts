import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEnvironment } from '../../../src/client/environment.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('readEnvironment', () => {
  it('reads the page-only facts and never touches Intl (its first use on a page is a 36–63 ms task)', () => {
    vi.stubGlobal('navigator', { userAgent: 'UA/2', language: 'fr-FR' });
    vi.stubGlobal('screen', { width: 390, height: 844 });
    vi.stubGlobal('devicePixelRatio', 3);
    const dateTimeFormat = vi.spyOn(Intl, 'DateTimeFormat');
    expect(readEnvironment()).toEqual({ userAgent: 'UA/2', locale: 'fr-FR', screen: { width: 390, height: 844, density: 3 } });
    expect(dateTimeFormat).not.toHaveBeenCalled();
  });
});
