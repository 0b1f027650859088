/**
 * The shop talks to Homing only through the `homing` global the inline stub defines, as a site
 * that pastes the snippet would, typed by the package's `homing/global`. The stub has the whole
 * API; the panel still polls `stats()` only once the client has loaded (the stub's queue is gone),
 * so it does not queue a call twice a second while the client is on its way.
 */
/// <reference types="homing/global" />
import type { HomingGlobal } from 'homing';

export function homing(): HomingGlobal {
  return window.homing;
}

/** The real client, once it replaced the stub's queue; null before. */
export function loadedHoming(): HomingGlobal | null {
  const h = window.homing as HomingGlobal & { q?: unknown[] };
  return h.q ? null : h;
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
