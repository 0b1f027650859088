// @vitest-environment happy-dom
/**
 * createHoming's start, split into tasks (next-task.ts) so that no task of it is a long one: the
 * task that loads Homing makes only the API, the worker is made in a later task, and its `init`
 * goes before the first calls, which wait for it. What stands in: `Worker` (a recorder) and the
 * worker's comlink API (every call durable at once).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaptureBatch } from '../../../src/shared/capture-batch.js';

const log = vi.hoisted(() => [] as string[]);

vi.mock('comlink', () => ({
  wrap: () => ({
    init: async () => void log.push('init'),
    // A port with no worker behind it never answers.
    capture: async (batch: CaptureBatch) => {
      const { decodeBatch } = await import('../../../src/shared/capture-batch.js');
      const calls = decodeBatch(batch);
      log.push(`capture ${calls.map((c) => c.event ?? c.type).join(',')}`);
      return log.includes('new Worker') ? calls.length : new Promise(() => undefined);
    },
    flush: async () => undefined,
    signals: async () => undefined,
    link: async () => undefined,
    stats: async () => null,
  }),
  proxy: <T>(value: T) => value,
  transfer: <T>(value: T) => value,
}));

class RecordingWorker {
  static made: string[] = [];
  static fail: Error | null = null;
  constructor(url: string) {
    if (RecordingWorker.fail) throw RecordingWorker.fail;
    RecordingWorker.made.push(url);
    log.push('new Worker');
  }
  addEventListener(): void {}
  postMessage(): void {}
  terminate(): void {}
}

/** Lets the start's later tasks (messages on a MessageChannel) run. */
const laterTasks = () => new Promise((resolve) => setTimeout(resolve, 30));

beforeEach(() => {
  vi.resetModules();
  log.length = 0;
  RecordingWorker.made = [];
  RecordingWorker.fail = null;
  vi.stubGlobal('Worker', RecordingWorker);
});

afterEach(async () => {
  await laterTasks(); // a client's last steps must not land in the next test
  vi.unstubAllGlobals();
});

async function create(onError?: (code: string, detail: string) => void) {
  const { createHoming } = await import('../../../src/client/homing.js');
  return createHoming({ collector: 'http://127.0.0.1:9', autoPage: false, onError });
}

describe('the start, in tasks of its own', () => {
  it('makes no worker and posts nothing to it in the task that creates the client, nor in its microtasks', async () => {
    const homing = await create();
    homing.track('early');
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(log).toEqual([]);
    await laterTasks();
    expect(RecordingWorker.made).toEqual([new URL('/homing-worker.js', location.href).href]);
  });

  it("posts the worker's init first; calls made before it follow, in their order, in one batch", async () => {
    const homing = await create();
    homing.track('first');
    homing.identify('user-1');
    homing.track('second');
    await laterTasks();
    expect(log).toEqual(['new Worker', 'init', 'capture first,identify,second']);
    homing.track('third');
    await laterTasks();
    expect(log.at(-1)).toBe('capture third');
    expect((await homing.stats()).acked).toBe(4);
  });

  it('a worker that cannot be made is reported as worker-unavailable, never thrown into the page', async () => {
    RecordingWorker.fail = new DOMException('blocked by CSP', 'SecurityError');
    const heard: string[] = [];
    const homing = await create((code) => heard.push(code));
    homing.track('kept');
    await laterTasks();
    expect(heard).toContain('worker-unavailable');
    // The call is kept for the service worker's hand-off on pagehide.
    expect((await homing.stats()).unacked).toBe(1);
  });
});
