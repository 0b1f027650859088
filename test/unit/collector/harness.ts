/**
 * A collector around a real SQLite file in a fresh temp dir, a fixed clock, and helpers to post
 * batches through `app.inject` (no socket). Every test gets its own file, so tests cannot leak
 * events into each other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createCollector, createSqliteStore, type CollectorOptions, type EventStore, type SqliteStore } from '../../../src/collector/index.js';
import { NOW } from '../../helpers/events.js';

export interface Harness {
  app: FastifyInstance;
  /** The in-thread store: reads answer synchronously. */
  store: SqliteStore;
  dir: string;
  dbPath: string;
  close(): Promise<void>;
}

export function createHarness(options: Partial<Omit<CollectorOptions, 'store'>> & { wrapStore?: (s: SqliteStore) => EventStore } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'homing-collector-'));
  const dbPath = join(dir, 'nested', 'events.sqlite');
  const store = createSqliteStore(dbPath);
  const { wrapStore, ...rest } = options;
  const app = createCollector({ origins: '*', now: () => NOW, ...rest, store: wrapStore ? wrapStore(store) : store });
  return {
    app,
    store,
    dir,
    dbPath,
    async close() {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postBatch(
  app: FastifyInstance,
  batch: unknown[],
  init: { sentAt?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const body = JSON.stringify(init.sentAt === undefined ? { batch } : { batch, sentAt: init.sentAt });
  return app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { 'content-type': 'application/json', ...init.headers },
    payload: body,
  });
}

export function postRaw(app: FastifyInstance, payload: string | Buffer, headers: Record<string, string>): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/v1/batch', headers, payload });
}

export function gzipJson(value: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(value)));
}
