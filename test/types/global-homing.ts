/**
 * Type test for the `homing` global (src/client/global.d.ts): what a TypeScript site writes after
 * pasting the stub, the README's Quick start included. Compiled only (`tsc -p test/types`), never
 * run. Each `@ts-expect-error` is a misuse the declaration must reject: tsc fails if one compiles.
 */
/// <reference path="../../src/client/global.d.ts" />
import type { FlushResult, HomingStats } from '../../src/client/index.js';

export async function quickStart(): Promise<void> {
  homing.init({ collector: 'https://collect.example.com' });
  homing.track('add_to_cart', { product_id: 'sku-1', quantity: 1 });
  homing.page();
  homing.page({ name: 'Home', section: 'shop' });
  homing.page('Home', { section: 'shop' });
  homing.screen('Checkout', { step: 2 });
  homing.screen({ name: 'Checkout', step: 2 });
  homing.screen('Home');
  homing.screen();
  homing.identify('user-42', { plan: 'pro' });
  homing.alias('user-42', 'anon-1');
  homing.group('acme', { seats: 10 });
  homing.consent({ analytics: true, marketing: false });
  homing.reset();

  const flushed: FlushResult | null = await homing.flush();
  if (flushed) {
    const total: number = flushed.delivered + flushed.pending;
    void total;
  }
  await homing.flush(2_000);

  const stats: HomingStats = await homing.stats();
  const pending: number | undefined = stats.outbox?.pending;
  const captured: number = stats.captured;
  console.log(pending, captured, stats.errors['invalid-call']);

  const off: () => void = homing.onError((code, detail) => console.warn(code, detail.length));
  off();

  // The same object through `window`, as the stub defines it.
  window.homing.track('signed_up');
  const same: typeof homing = window.homing;
  void same;
}

export async function misuse(): Promise<void> {
  // @ts-expect-error the event name is a string
  homing.track(42);
  // @ts-expect-error a screen's name is a string
  homing.screen(42);
  // @ts-expect-error a view's name inside the properties is a string too
  homing.screen({ name: 42 });
  // @ts-expect-error the properties are an object
  homing.screen('Home', 'tab');
  // @ts-expect-error identify needs a userId
  homing.identify();
  // @ts-expect-error consent is by purpose, with booleans
  homing.consent({ analytics: 'yes' });
  // @ts-expect-error flush's timeout is a number of milliseconds
  await homing.flush('soon');
  const flushed = await homing.flush();
  // @ts-expect-error flush may resolve null (no service worker, or no answer in time)
  void flushed.delivered;
  // @ts-expect-error the public result, not the protocol message ({ v, op: 'flushed', ... })
  void flushed?.op;
  // @ts-expect-error stats has no such counter
  void (await homing.stats()).sent;
  // @ts-expect-error onError's listener gets an error code, not a number
  homing.onError((code: number) => code);
  // @ts-expect-error no such method on the stub or the client
  homing.send('x');
  // @ts-expect-error the queue is the stub's internals, not the API
  void window.homing.q;
  // @ts-expect-error an unknown option
  homing.init({ colector: 'https://collect.example.com' });
}
