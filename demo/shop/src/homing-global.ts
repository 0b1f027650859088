/**
 * The shop talks to Homing only through the `homing` global the inline stub defines, as a site
 * that pastes the snippet would. Until the client module has loaded, the stub queues calls and has
 * no `stats()`; the panel waits for it.
 */
import type { Homing } from '../../../src/client/homing.js';

type Stubbed = Pick<Homing, 'track' | 'page' | 'identify' | 'flush'> & Partial<Homing> & { q?: unknown[] };

export function homing(): Stubbed {
  return (window as unknown as { homing: Stubbed }).homing;
}

/** The real client, once it replaced the stub's methods; null before. */
export function loadedHoming(): Homing | null {
  const h = homing();
  return typeof h.stats === 'function' && !h.q ? (h as Homing) : null;
}

/** What the demo server pasted into the page: where the collector is, and the dashboard's key. */
export interface DemoEnv {
  collector: string;
  dashboardKey: string | null;
}

export function demoEnv(doc: Document): DemoEnv {
  const text = doc.getElementById('homing-demo')?.textContent ?? '{}';
  const value = JSON.parse(text) as Partial<DemoEnv>;
  return { collector: value.collector ?? 'http://127.0.0.1:8787', dashboardKey: value.dashboardKey ?? null };
}
