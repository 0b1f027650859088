/**
 * A site's event schemas, enforced at the collector (`--schemas`): the same files `homing-schemas
 * compile` turns into the worker's validators, read by the same code, compiled with the same ajv
 * options. Without this, events that skip the worker (handed to the service worker when a tab
 * closes, sent by another library or a server) would skip the site's schemas too.
 *
 * Compiled here at start-up with ajv's run-time compiler: the collector may `eval`, unlike the
 * worker under a page's CSP. A schema ajv refuses stops the start, naming its file.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import AJV_OPTIONS from '../shared/schemas/ajv-options.json' with { type: 'json' };
import type { StandaloneValidateFn } from '../shared/schemas/event-checks.js';
import { readSiteSchemas } from './schemas-cli/site-schemas.js';

export async function loadSiteSchemas(paths: readonly string[]): Promise<Map<string, StandaloneValidateFn>> {
  const ajv = new Ajv({ ...AJV_OPTIONS });
  // Every format, as the worker's compiled schemas carry them.
  addFormats.default(ajv);
  const validators = new Map<string, StandaloneValidateFn>();
  for (const { name, file, schema } of await readSiteSchemas(paths)) {
    try {
      validators.set(name, ajv.compile(schema) as StandaloneValidateFn);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }
  return validators;
}
