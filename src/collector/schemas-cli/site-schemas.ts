/**
 * A site's event schema files → `{ name, schema }` entries for the compiler. One file per event;
 * the event name is the schema's `title` when that is a valid event name, else the file name
 * without `.json`. Names follow Homing's convention for `event` (shared/schemas/naming.ts), the
 * rule the worker enforces, so the two cannot drift apart.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EVENT_NAME_RULE, isEventName } from '../../shared/schemas/naming.js';

export { EVENT_NAME_RULE, isEventName };

/** Bad input (a name, a file, a schema): the command exits 2 and writes nothing. */
export class InputError extends Error {
  override name = 'InputError';
}

export interface SiteSchema {
  /** The event name it validates the `properties` of. */
  name: string;
  file: string;
  schema: object;
}

export function eventNameOf(file: string, schema: object): string {
  const title = (schema as { title?: unknown }).title;
  if (typeof title === 'string' && isEventName(title)) return title;
  const fromFile = basename(file).replace(/\.json$/i, '');
  if (isEventName(fromFile)) return fromFile;
  throw new InputError(
    `${file}: "${fromFile}" is not a valid event name: ${EVENT_NAME_RULE}. Rename the file or give the schema a snake_case "title".`,
  );
}

/** Every `.json` file of each directory (not recursive, sorted) and each file given, parsed and named. */
export async function readSiteSchemas(paths: readonly string[]): Promise<SiteSchema[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new InputError(`${path}: no such file or directory`);
    if (info.isDirectory()) {
      const inDir = (await readdir(path)).filter((f) => f.toLowerCase().endsWith('.json')).sort();
      if (inDir.length === 0) throw new InputError(`${path}: no .json schema files in this directory`);
      files.push(...inDir.map((f) => join(path, f)));
    } else files.push(path);
  }

  const byName = new Map<string, SiteSchema>();
  for (const file of files) {
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new InputError(`${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new InputError(`${file}: a schema file must hold a JSON object (the schema of the event's properties)`);
    }
    const name = eventNameOf(file, schema);
    const earlier = byName.get(name);
    if (earlier) throw new InputError(`${file}: event "${name}" already has a schema, in ${earlier.file}`);
    byName.set(name, { name, file, schema });
  }
  return [...byName.values()];
}
