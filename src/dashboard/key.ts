/**
 * The read key. It comes in the URL fragment (`/dashboard#key=…`, which browsers never send to
 * the server, so it is in no access log) or from the form, and is kept in sessionStorage: gone
 * when the tab closes. Once read, it is removed from the address bar and the history entry.
 */

const STORAGE_KEY = 'homing.dashboard.key';

/** The key in a fragment such as `#key=abc&x=1`, and the fragment without it. */
export function splitFragment(hash: string): { key: string | null; rest: string } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const key = params.get('key');
  params.delete('key');
  const rest = params.toString();
  return { key: key !== null && key !== '' ? key : null, rest: rest === '' ? '' : `#${rest}` };
}

export interface KeyStore {
  get(): string | null;
  set(key: string): void;
  clear(): void;
}

export function createKeyStore(storage: Storage): KeyStore {
  return {
    get: () => storage.getItem(STORAGE_KEY),
    set: (key) => storage.setItem(STORAGE_KEY, key),
    clear: () => storage.removeItem(STORAGE_KEY),
  };
}

/** Takes a key out of the current URL's fragment into the store, then returns the stored key. */
export function adoptFragmentKey(store: KeyStore, location: Location, history: History): string | null {
  const { key, rest } = splitFragment(location.hash);
  if (key !== null) {
    store.set(key);
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest}`);
  }
  return store.get();
}
