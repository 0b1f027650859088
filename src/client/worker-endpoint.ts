/**
 * The page's end of the worker, with a second way to start it. A page opened while the site is
 * unreachable (offline, served by the site's service worker from its cache) must still track:
 * that is the point of an offline-first runtime. But Chromium does not hand a dedicated worker's
 * script request to the page's service worker (seen here: `fetch('/homing-worker.js')` is
 * answered from the cache while `new Worker('/homing-worker.js')` fails), so the worker never
 * starts. When it fails before saying it is ready, the script is fetched (which the service
 * worker does answer) and the worker started from a blob of it (a CSP then needs `worker-src
 * blob:`, only on this path).
 *
 * The page talks to the worker through a MessageChannel whose far end is handed over once a
 * worker has said it is ready (`WorkerReady`). Until then the channel queues the messages, each
 * cloned when it was posted; posted straight to a worker whose script failed, they would be lost,
 * and with them the ports they transfer.
 *
 * The port is returned at once and the worker made in a task of its own: `new Worker()` holds the
 * main thread 3-12 ms at 1x (4-18 ms at 4x CPU throttling), too much for the task that loads
 * Homing. A worker that cannot be made at all (a CSP without `worker-src`) is `worker-unavailable`.
 */
import type { ConnectWorker, WorkerReady } from '../shared/protocol.js';
import { nextTask } from './next-task.js';

const READY: WorkerReady['op'] = 'worker-ready';
const CONNECT: ConnectWorker['op'] = 'connect';

export function startWorker(url: string, onError: (code: 'worker-failed' | 'worker-unavailable', detail: string) => void): MessagePort {
  const { port1, port2 } = new MessageChannel();

  const start = (scriptUrl: string, fallback: boolean): void => {
    const worker = new Worker(scriptUrl);
    let started = false;
    worker.addEventListener('message', (e) => {
      if (started || e.data?.op !== READY) return;
      started = true;
      worker.postMessage({ op: CONNECT } satisfies ConnectWorker, [port2]);
    });
    worker.addEventListener('error', (e) => {
      if (started || fallback) return onError('worker-failed', e.message || 'worker error');
      e.preventDefault();
      worker.terminate();
      fetch(url)
        .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(`${url}: ${res.status}`))))
        .then((blob) => start(URL.createObjectURL(blob), true))
        .catch((err) => onError('worker-failed', String(err)));
    });
  };
  nextTask(() => start(url, false), (err) => onError('worker-unavailable', String(err)));
  return port1;
}
