/** Types of compile-schemas.mjs, for its TypeScript callers (src/schemas-cli, test/unit/schemas). */

export interface SchemaEntry {
  /** Export name (compileSchemas) or event name (compileClassicScript). */
  name: string;
  schema: object;
  /** Names the entry in error messages, e.g. its file; defaults to `name`. */
  label?: string;
}

export declare const AJV_OPTIONS: Readonly<{ allErrors: false; strict: true; strictRequired: false }>;

export declare function findEvalUse(code: string): string | null;

/** Throws an Error with `code: 'invalid-schema'`, its message starting with the entry's label, when ajv refuses a schema. */
export declare function compileSchemas(entries: readonly SchemaEntry[]): { js: string; dts: string };

export declare function compileClassicScript(
  entries: readonly SchemaEntry[],
  options?: { globalName?: string; banner?: string; minify?: boolean },
): Promise<string>;
