import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../../../src/shared/event.js';
import type { Capture, PageEnvironment } from '../../../src/shared/protocol.js';
import { createPipeline } from '../../../src/worker/pipeline.js';

const env: PageEnvironment = { userAgent: 'UA', locale: 'en', timezone: 'UTC', screen: { width: 1, height: 1, density: 1 } };
const page = { url: 'https://x.test/', path: '/', search: '', title: '', referrer: '' };
const call = (id: string): Capture => ({ type: 'track', messageId: id, ts: 0, event: 'e', page });

function pipeline(maxBatch = 100) {
  const errors: string[] = [];
  const p = createPipeline({
    identity: Promise.resolve({ anonymousId: 'anon' }),
    env,
    maxBatch,
    retryMs: 5,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    onError: (code) => errors.push(code),
  });
  return { p, errors };
}

describe('pipeline', () => {
  it('holds captures until a sink exists, then resolves them with their ids once durable', async () => {
    const { p } = pipeline();
    const pending = p.capture([call('a'), call('b')]);
    await new Promise((r) => setTimeout(r, 5));
    expect(p.stats()).toMatchObject({ received: 2, persisted: 0, pending: 2 });
    const got: WireEvent[][] = [];
    p.setSink(async (events) => {
      got.push(events);
      return events.length;
    });
    expect(await pending).toBe(2);
    expect(got[0].map((e) => e.anonymousId)).toEqual(['anon', 'anon']);
    expect(p.stats()).toMatchObject({ received: 2, persisted: 2, pending: 0 });
  });

  it('gathers calls that arrive while a persist is in flight into the next batch', async () => {
    const { p } = pipeline();
    const batches: string[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    p.setSink(async (events) => {
      batches.push(events.map((e) => e.messageId));
      await gate;
      return events.length;
    });
    const first = p.capture([call('a')]);
    await new Promise((r) => setTimeout(r, 1));
    const rest = [p.capture([call('b')]), p.capture([call('c')]), p.capture([call('d')])];
    await new Promise((r) => setTimeout(r, 1));
    const r1 = release;
    gate = Promise.resolve();
    r1();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('keeps and retries a batch whose persist failed, and reports it', async () => {
    const { p, errors } = pipeline();
    let fail = 2;
    const seen: number[] = [];
    p.setSink(async (events) => {
      seen.push(events.length);
      if (fail-- > 0) throw new Error('QuotaExceededError');
      return events.length;
    });
    expect(await p.capture([call('a'), call('b')])).toBe(2);
    expect(seen).toEqual([2, 2, 2]);
    expect(errors).toEqual(['persist-failed', 'persist-failed']);
    expect(p.stats().errors['persist-failed']).toBe(2);
  });
});
