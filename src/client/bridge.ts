/**
 * The page's side of the hand-over to the worker. Calls queue in an array; one microtask per
 * burst sends the whole queue as one comlink call (a comlink round trip costs 30–100 µs, far over
 * the 2 µs budget per call). Each sent batch stays in `inflight` until the worker says every call
 * in it is settled: bookkeeping per batch, not per call, keeps the per-call cost to a push.
 *
 * Calls queue until `connect` names the worker: it is started in a task after the page's (a
 * start in one task was a long one), and the first batch must follow the worker's `init`.
 *
 * A call whose arguments cannot be structured-cloned (a function, a DOM node) makes the whole
 * `postMessage` throw; the batch is then checked call by call and only the bad ones are dropped.
 */
import type { Remote } from 'comlink';
import type { ErrorCode } from '../shared/errors.js';
import type { Capture, WorkerApi } from '../shared/protocol.js';

export interface Bridge {
  push(call: Capture): void;
  /** The worker, once started and sent its `init`; null when none could start (calls are then kept for the SW). */
  connect(api: Remote<WorkerApi<MessagePort>> | null): void;
  /** Calls captured and not yet settled by the worker: what `pagehide` hands to the SW. */
  tail(): Capture[];
  unsettled(): number;
  durable(): number;
  /** Resolves when nothing is unsettled, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void>;
}

export function createBridge(report: (code: ErrorCode, detail: string) => void): Bridge {
  let api: Remote<WorkerApi<MessagePort>> | null = null;
  let queue: Capture[] = [];
  // True until `connect`: no send is scheduled before the worker has its `init`.
  let scheduled = true;
  let unsettled = 0;
  let durable = 0;
  const inflight = new Set<Capture[]>();
  let waiters: Array<() => void> = [];

  function settled(batch: Capture[], count: number): void {
    inflight.delete(batch);
    unsettled -= batch.length;
    durable += count;
    if (unsettled === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  }

  function send(batch: Capture[]): void {
    inflight.add(batch);
    if (!api) return; // kept in `inflight`: without a worker, nothing else can hold them
    api.capture(batch).then(
      (count) => settled(batch, count),
      (err: unknown) => {
        if ((err as Error)?.name !== 'DataCloneError') return report('worker-failed', String(err));
        const good: Capture[] = [];
        for (const call of batch) {
          try {
            structuredClone(call);
            good.push(call);
          } catch (cloneErr) {
            report('not-cloneable', `${call.event ?? call.type}: ${String(cloneErr)}`);
          }
        }
        settled(batch, 0);
        if (good.length > 0) {
          unsettled += good.length;
          send(good);
        }
      },
    );
  }

  function sendQueued(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length > 0) send(batch);
  }

  return {
    push(call) {
      queue.push(call);
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
    tail() {
      const calls: Capture[] = [];
      for (const batch of inflight) calls.push(...batch);
      return calls.concat(queue);
    },
    unsettled: () => unsettled,
    durable: () => durable,
    drained(timeoutMs) {
      if (unsettled === 0) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, timeoutMs);
      });
    },
  };
}
