/**
 * The page's hand-over to the worker (bridge.ts): calls queue in columns until the worker is
 * connected, one batch per burst, numbered so that the worker and the page's `tail()` (what the
 * service worker gets on `pagehide`) name every call with the same messageId.
 */
import type { Remote } from 'comlink';
import { describe, expect, it } from 'vitest';
import { createBridge } from '../../../src/client/bridge.js';
import { decodeBatch, messageId, type CaptureBatch, type CaptureView } from '../../../src/shared/capture-batch.js';
import type { WorkerApi } from '../../../src/shared/protocol.js';

const view: CaptureView = { page: { url: 'https://shop.test/', path: '/', search: '', title: 'Shop', referrer: '' }, viewport: { width: 1, height: 1 } };
const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/**
 * The worker's side, as comlink gives it: the batch is cloned when posted, inside a promise (a
 * value that cannot be cloned rejects it with a DataCloneError); `answer` says what capture() returns.
 */
function fakeWorker(answer: (calls: number) => Promise<number> = (calls) => Promise.resolve(calls)) {
  const batches: CaptureBatch[] = [];
  const api = {
    capture: (batch: CaptureBatch) =>
      new Promise<number>((resolve) => {
        const posted = structuredClone(batch);
        batches.push(posted);
        resolve(answer(decodeBatch(posted).length));
      }),
  } as unknown as Remote<WorkerApi<MessagePort>>;
  return { api, batches };
}

function recordReports() {
  const reports: string[] = [];
  return { reports, report: (code: string, detail: string) => void reports.push(`${code}: ${detail}`) };
}

describe('bridge', () => {
  it('sends nothing before connect, then every call queued so far in one batch, in order', async () => {
    const { report } = recordReports();
    const bridge = createBridge(report);
    const worker = fakeWorker();
    bridge.push(1, 'first', { a: 1 }, view);
    bridge.push(2, { type: 'identify', userId: 'u1' }, undefined, view);
    await microtasks();
    expect(worker.batches).toHaveLength(0);
    expect(bridge.unsettled()).toBe(2);
    bridge.connect(worker.api);
    expect(worker.batches).toHaveLength(1);
    expect(decodeBatch(worker.batches[0]).map((c) => [c.type, c.event ?? c.userId, c.ts])).toEqual([
      ['track', 'first', 1],
      ['identify', 'u1', 2],
    ]);
    await microtasks();
    expect(bridge.unsettled()).toBe(0);
    expect(bridge.durable()).toBe(2);
  });

  it('sends one batch per burst, numbering calls on from the last batch', async () => {
    const bridge = createBridge(recordReports().report);
    const worker = fakeWorker();
    bridge.connect(worker.api);
    for (let i = 0; i < 3; i++) bridge.push(10 + i, `e${i}`, { i }, view);
    await microtasks();
    bridge.push(20, 'later', undefined, view);
    await microtasks();
    expect(worker.batches.map((b) => [b.first, b.ts.length])).toEqual([
      [0, 3],
      [3, 1],
    ]);
    // The page view goes once per batch and change, not once per call.
    expect(worker.batches.map((b) => b.views)).toEqual([[0, view], [0, view]]);
    const next: CaptureView = { ...view, page: { ...view.page, path: '/cart' } };
    bridge.push(30, 'a', undefined, view);
    bridge.push(31, 'b', undefined, next);
    bridge.push(32, 'c', undefined, next);
    await microtasks();
    expect(worker.batches[2].views).toEqual([0, view, 1, next]);
    expect(decodeBatch(worker.batches[2]).map((c) => c.page.path)).toEqual(['/', '/cart', '/cart']);
  });

  it("tail() names the unsettled calls with the worker's messageIds, sent or still queued", async () => {
    const bridge = createBridge(recordReports().report);
    const worker = fakeWorker(() => new Promise(() => undefined)); // never settles: the page is leaving
    bridge.connect(worker.api);
    bridge.push(100, 'sent', undefined, view);
    await microtasks();
    bridge.push(101, 'queued', undefined, view);
    const tail = bridge.tail();
    expect(tail.map((c) => c.event)).toEqual(['sent', 'queued']);
    expect(tail[0].messageId).toBe(decodeBatch(worker.batches[0])[0].messageId);
    expect(new Set(tail.map((c) => c.messageId)).size).toBe(2);
    await microtasks();
    expect(tail[1].messageId).toBe(decodeBatch(worker.batches[1])[0].messageId);
  });

  it('a call that cannot be cloned is dropped and reported alone; the others are sent again with their own ids', async () => {
    const { reports, report } = recordReports();
    const bridge = createBridge(report);
    const worker = fakeWorker();
    bridge.connect(worker.api);
    bridge.push(1, 'good', { a: 1 }, view);
    bridge.push(2, 'bad', { callback: () => undefined }, view);
    bridge.push(3, 'also_good', undefined, view);
    await microtasks();
    const drained = bridge.drained(1_000);
    await microtasks();
    await drained;
    expect(reports).toEqual([expect.stringMatching(/^not-cloneable: bad: /)]);
    expect(worker.batches).toHaveLength(1); // the first post never left the page
    const resent = decodeBatch(worker.batches[0]);
    expect(resent.map((c) => c.event)).toEqual(['good', 'also_good']);
    const { seed } = worker.batches[0];
    expect(resent.map((c) => c.messageId)).toEqual([messageId(seed, 0, 1), messageId(seed, 2, 3)]);
    expect(bridge.unsettled()).toBe(0);
    expect(bridge.durable()).toBe(2);
  });

  it('without a worker, keeps every call for the hand-off', async () => {
    const bridge = createBridge(recordReports().report);
    bridge.connect(null);
    bridge.push(1, 'kept', undefined, view);
    await microtasks();
    expect(bridge.unsettled()).toBe(1);
    expect(bridge.tail().map((c) => c.event)).toEqual(['kept']);
  });
});
