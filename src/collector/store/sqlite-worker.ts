/**
 * The SQLite worker thread: owns the database connection and commits what the main thread sends,
 * in arrival order. Bundled on its own (dist/collector/sqlite-worker.js) and started by
 * ./worker-store.ts.
 *
 * Group commit: requests that arrive while a transaction runs are committed together in the next
 * one, so under load a commit covers several HTTP requests. Each request still gets its own
 * answer, sent only once its transaction has committed. If a group's transaction fails, its jobs
 * are retried one by one, so one bad request cannot fail the others.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openSqliteEngine, type InsertJob, type SqliteEngine } from './sqlite.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';

/** Most jobs (requests) in one transaction; bounds how long one commit holds the thread. */
const MAX_GROUP = 64;

if (!parentPort) throw new Error('sqlite-worker.js runs as a worker thread only');
const port: MessagePort = parentPort;

const { path, options } = workerData as WorkerInit;
let engine: SqliteEngine;
try {
  engine = openSqliteEngine(path, options);
  port.postMessage({ id: 0, ok: true } satisfies WorkerResponse);
} catch (err) {
  port.postMessage({ id: 0, ok: false, error: (err as Error).message } satisfies WorkerResponse);
  process.exit(1);
}

const queue: WorkerRequest[] = [];
let scheduled = false;

port.on('message', (request: WorkerRequest) => {
  queue.push(request);
  // setImmediate runs after every message already delivered has been queued: the group.
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});

function drain(): void {
  scheduled = false;
  let next = 0;
  while (next < queue.length) {
    if (queue[next].op !== 'insert') {
      run(queue[next++]);
      continue;
    }
    const group: Array<{ id: number; job: InsertJob }> = [];
    while (next < queue.length && group.length < MAX_GROUP) {
      const r = queue[next];
      if (r.op !== 'insert') break;
      group.push({ id: r.id, job: r.job });
      next++;
    }
    commit(group);
  }
  queue.length = 0;
}

function commit(group: Array<{ id: number; job: InsertJob }>): void {
  try {
    const results = engine.insertJobs(group.map((g) => g.job));
    for (let i = 0; i < group.length; i++) reply({ id: group[i].id, ok: true, value: results[i] });
  } catch (err) {
    if (group.length === 1) {
      reply({ id: group[0].id, ok: false, error: (err as Error).message });
      return;
    }
    for (const one of group) commit([one]);
  }
}

function run(request: WorkerRequest): void {
  try {
    switch (request.op) {
      case 'erase':
        return reply({ id: request.id, ok: true, value: engine.eraseUser(request.userId) });
      case 'count':
        return reply({ id: request.id, ok: true, value: engine.count() });
      case 'get':
        return reply({ id: request.id, ok: true, value: engine.getEvent(request.messageId) });
      case 'manifest':
        return reply({ id: request.id, ok: true, value: engine.getManifest(request.deviceId) });
      case 'profile':
        return reply({ id: request.id, ok: true, value: engine.getProfile(request.userId) });
      case 'counts':
        engine.addQualityCounts(request.counts);
        return reply({ id: request.id, ok: true });
      case 'close':
        engine.close();
        reply({ id: request.id, ok: true });
        port.close();
        return;
      case 'insert':
        return commit([{ id: request.id, job: request.job }]);
    }
  } catch (err) {
    reply({ id: request.id, ok: false, error: (err as Error).message });
  }
}

function reply(response: WorkerResponse): void {
  port.postMessage(response);
}
