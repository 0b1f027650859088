/**
 * The page's side of the hand-over to the worker. Calls queue in columns (shared/capture-batch.ts:
 * a call is two array pushes; its id and its object are made in the worker); one microtask per
 * burst sends the whole queue as one comlink call (a comlink round trip costs 30–100 µs, far over
 * the 2 µs budget per call). Each sent batch stays in `inflight` until the worker says every call
 * in it is settled: bookkeeping per batch, not per call.
 *
 * Calls queue until `connect` names the worker: it is started in a task after the page's (a
 * start in one task was a long one), and the first batch must follow the worker's `init`.
 *
 * A call whose arguments cannot be structured-cloned (a function, a DOM node) makes the whole
 * `postMessage` throw; the batch is then checked call by call, the bad ones are blanked out (the
 * worker skips them, and so does `tail`) and the batch is sent again.
 */
import type { Remote } from 'comlink';
import { decodeBatch, emptyBatch, type CallFields, type CaptureBatch, type CaptureView } from '../shared/capture-batch.js';
import type { Properties } from '../shared/event.js';
import type { ErrorCode } from '../shared/errors.js';
import type { Capture, WorkerApi } from '../shared/protocol.js';

export interface Bridge {
  /** `call`: a `track`'s event name (then `properties` are its), or another verb's fields. */
  push(ts: number, call: string | CallFields, properties: Properties | undefined, view: CaptureView): void;
  /** The worker, once started and sent its `init`; null when none could start (calls are then kept for the SW). */
  connect(api: Remote<WorkerApi<MessagePort>> | null): void;
  /** Calls captured and not yet settled by the worker, with their ids: what `pagehide` hands to the SW. */
  tail(): Capture[];
  unsettled(): number;
  durable(): number;
  /** Resolves when nothing is unsettled, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void>;
}

export function createBridge(report: (code: ErrorCode, detail: string) => void): Bridge {
  const seed = crypto.getRandomValues(new Uint32Array(3));
  let api: Remote<WorkerApi<MessagePort>> | null = null;
  let queue = emptyBatch(seed, 0);
  let view: CaptureView | null = null; // the queue's last page view
  // True until `connect`: no send is scheduled before the worker has its `init`.
  let scheduled = true;
  let unsettled = 0;
  let durable = 0;
  const inflight = new Set<CaptureBatch>();
  let waiters: Array<() => void> = [];

  function settled(batch: CaptureBatch, count: number): void {
    inflight.delete(batch);
    unsettled -= batch.ts.length;
    durable += count;
    if (unsettled === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  }

  function send(batch: CaptureBatch): void {
    inflight.add(batch);
    if (!api) return; // kept in `inflight`: without a worker, nothing else can hold them
    api.capture(batch).then(
      (count) => settled(batch, count),
      (err: unknown) => {
        if ((err as Error)?.name !== 'DataCloneError') return report('worker-failed', String(err));
        let dropped = 0;
        const { calls } = batch;
        for (let i = 0; i < calls.length; i += 2) {
          const call = calls[i] as string | CallFields | null;
          try {
            structuredClone([call, calls[i + 1]]);
          } catch (cloneErr) {
            report('not-cloneable', `${typeof call === 'string' ? call : (call as CallFields).type}: ${String(cloneErr)}`);
            calls[i] = calls[i + 1] = null;
            dropped++;
          }
        }
        // Sent again without them; every call keeps its number, so its id. Nothing to drop: give up.
        if (dropped > 0) send(batch);
        else settled(batch, 0);
      },
    );
  }

  function sendQueued(): void {
    scheduled = false;
    const batch = queue;
    if (batch.ts.length === 0) return;
    queue = emptyBatch(seed, batch.first + batch.ts.length);
    view = null;
    send(batch);
  }

  return {
    push(ts, call, properties, seen) {
      if (seen !== view) queue.views.push(queue.ts.length, (view = seen));
      queue.ts.push(ts);
      queue.calls.push(call, properties);
      unsettled++;
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(sendQueued);
      }
    },
    connect(worker) {
      api = worker;
      sendQueued();
    },
    tail: () => [...inflight, queue].flatMap(decodeBatch),
    unsettled: () => unsettled,
    durable: () => durable,
    drained: (timeoutMs) =>
      new Promise((resolve) => {
        if (unsettled === 0) return resolve();
        waiters.push(resolve);
        setTimeout(resolve, timeoutMs);
      }),
  };
}
