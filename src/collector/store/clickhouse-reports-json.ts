/**
 * Reading values out of stored payloads the way SQLite's `json_extract` does, for the few report
 * figures that live inside the payload (first touch, revenue, user agent). ClickHouse 18.16 has no
 * path-aware JSON functions (`visitParamExtract*` match a key name anywhere in the text, so a
 * `source` inside `properties` would be read as the first touch's): the ClickHouse report source
 * reads those payloads for the few rows that need them and extracts here, so both engines agree.
 */

/** The value at `path` (object keys only, as `$.a.b.c`), or undefined when any step is missing. */
export function pathValue(doc: unknown, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    // `$.a.b` does not index arrays in SQLite; only objects have keys.
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * What `json_extract` answers for a value: SQL NULL for a missing value or JSON null, 1/0 for
 * booleans, numbers and strings as they are, and objects or arrays as minified JSON text.
 */
export function sqliteJsonValue(v: unknown): string | number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

/** Parses a stored payload; a broken one (never written by the store) reads as empty. */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A sum whose result does not depend on the order of its terms in practice: Neumaier's compensated
 * sum, the algorithm SQLite's `total()` uses (since 3.43), so revenue matches it to the last bit.
 */
export function createSum(): { add(x: number): void; value(): number } {
  let sum = 0;
  let c = 0;
  return {
    add(x) {
      const t = sum + x;
      c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
      sum = t;
    },
    value: () => sum + c,
  };
}
