/**
 * The report worker thread: runs the report queries (./sqlite-reports.ts) on its own read-only
 * connection, one at a time, off the HTTP thread and off the writer's thread, so a second-long
 * report neither stalls requests nor delays a commit. Bundled as dist/collector/reports-worker.js
 * and started by ./reports-worker-source.ts.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openSqliteReportSource, type SqliteReportSource } from './sqlite-reports.js';
import type { ReportCall, ReportReply } from './reports-worker-source.js';

if (!parentPort) throw new Error('reports-worker.js runs as a worker thread only');
const port: MessagePort = parentPort;

let source: SqliteReportSource;
try {
  source = openSqliteReportSource((workerData as { path: string }).path);
  port.postMessage({ id: 0, ok: true } satisfies ReportReply);
} catch (err) {
  port.postMessage({ id: 0, ok: false, error: (err as Error).message } satisfies ReportReply);
  process.exit(1);
}

port.on('message', (call: ReportCall) => {
  if (call.method === 'close') {
    source.close();
    port.postMessage({ id: call.id, ok: true } satisfies ReportReply);
    port.close();
    return;
  }
  try {
    const method = source[call.method] as (...args: unknown[]) => unknown;
    port.postMessage({ id: call.id, ok: true, value: method(...call.args) } satisfies ReportReply);
  } catch (err) {
    port.postMessage({ id: call.id, ok: false, error: (err as Error).message } satisfies ReportReply);
  }
});
