/**
 * A collector around a real SQLite file in a fresh temp dir, a fixed clock, and helpers to post
 * batches through `app.inject` (no socket). Every test gets its own file, so tests cannot leak
 * events into each other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomFillSync } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createCollector, createSqliteStore, type CollectorOptions, type EventStore, type SqliteStore } from '../../../src/collector/index.js';
import type { WireEvent } from '../../../src/shared/event.js';
import { createUuidV7 } from '../../../src/shared/uuid-v7.js';

/** 2026-11-28T12:00:10.000Z: the collector's clock in tests. */
export const NOW = Date.parse('2026-11-28T12:00:10.000Z');

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

const nextId = createUuidV7((bytes) => randomFillSync(bytes));

/** A fresh UUIDv7, as the client mints them. */
export function newId(): string {
  return nextId(Date.now());
}

/** A valid `track` event as Homing's service worker sends it. */
export function wireEvent(overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    type: 'track',
    event: 'product_viewed',
    properties: { product_id: 'sku-1', price: 12.5 },
    messageId: newId(),
    anonymousId: 'anon-1',
    timestamp: '2026-11-28T12:00:00.000Z',
    context: {
      channel: 'browser',
      library: { name: 'homing', version: '0.1.0' },
      page: { url: 'https://shop.example/p/1?utm_source=news', path: '/p/1', search: '?utm_source=news', title: 'P1', referrer: '' },
      campaign: { source: 'news', medium: 'email', name: 'spring' },
      homing: { seq: 1, sessionId: 'sess-1', sessionSeq: 1 },
    },
    ...overrides,
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
