/**
 * Query parameters on an allowlist only: what a URL carries besides the campaign (a search term, a
 * session token, an e-mail in a confirmation link) stays in the browser. `utm_*` allows a prefix.
 * Kept parameters keep their original encoding and order; the fragment is left alone.
 */

/** Whether `name` is on the allowlist (`utm_*` matches every name starting with `utm_`). */
export function allowedParam(name: string, allow: readonly string[]): boolean {
  return allow.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
}

function paramName(part: string): string {
  const raw = part.split('=', 1)[0].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a malformed escape: compare it as written
  }
}

/** `?a=1&utm_source=x` → `?utm_source=x`; `''` when nothing is left. */
export function keepParams(search: string, allow: readonly string[]): string {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return '';
  const kept = query.split('&').filter((part) => part !== '' && allowedParam(paramName(part), allow));
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

/** The URL with its query reduced to the allowlist. */
export function stripUrl(url: string, allow: readonly string[]): string {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const q = beforeHash.indexOf('?');
  if (q === -1) return url;
  return beforeHash.slice(0, q) + keepParams(beforeHash.slice(q), allow) + (hash === -1 ? '' : url.slice(hash));
}
