// @vitest-environment happy-dom
// happy-dom: the entry point wires listeners onto a real document and window.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startAutocapture, type Autocapture, type AutocaptureOptions } from '../../../src/client/autocapture/index.js';

type Emitted = [string, Record<string, unknown>];
let running: Autocapture | null = null;

const ALL: AutocaptureOptions = { clicks: true, forms: true, scroll: true, engagement: true };

function start(options: AutocaptureOptions, win: Window = window, now?: () => number): Emitted[] {
  const events: Emitted[] = [];
  running = startAutocapture(options, (event, properties) => events.push([event, properties]), win, now);
  return events;
}

const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** One of everything autocapture listens for; the page is 10 000 px tall and scrolled to the end. */
async function everything(): Promise<void> {
  document.querySelector<HTMLElement>('#buy')!.click();
  document.querySelector('form')!.dispatchEvent(new SubmitEvent('submit', { bubbles: true, cancelable: true }));
  document.dispatchEvent(new Event('scroll'));
  await frame();
  window.dispatchEvent(new Event('pagehide'));
}

function page(): void {
  document.body.innerHTML = '<button id="buy" data-track="buy">Buy</button><form id="f"></form>';
  Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, value: 10_000 });
  Object.defineProperty(window, 'innerHeight', { configurable: true, value: 1000 });
  Object.defineProperty(window, 'scrollY', { configurable: true, value: 9000 });
}

afterEach(() => {
  running?.stop();
  running = null;
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

describe('startAutocapture', () => {
  it('captures nothing and adds no listener for {}', async () => {
    page();
    const onDoc = vi.spyOn(document, 'addEventListener');
    const onWin = vi.spyOn(window, 'addEventListener');
    const events = start({});
    await everything();
    expect(events).toStrictEqual([]);
    expect(onDoc).not.toHaveBeenCalled();
    expect(onWin).not.toHaveBeenCalled();
  });

  it.each<[keyof AutocaptureOptions, string]>([
    ['clicks', 'buy'],
    ['forms', 'form_submitted'],
    ['scroll', 'scroll_depth'],
    ['engagement', 'page_engaged'],
  ])('%s: true starts that kind alone', async (kind, event) => {
    page();
    let clock = 0;
    const events = start({ [kind]: true }, window, () => clock);
    clock = 5000;
    await everything();
    expect(new Set(events.map(([name]) => name))).toStrictEqual(new Set([event]));
  });

  it('listens on document and window only, in the capture phase, passively', () => {
    const onDoc = vi.spyOn(document, 'addEventListener');
    const onWin = vi.spyOn(window, 'addEventListener');
    start(ALL);
    const calls = [...onDoc.mock.calls, ...onWin.mock.calls];
    expect(calls.length).toBeGreaterThan(0);
    for (const [, , options] of calls) expect(options).toStrictEqual({ capture: true, passive: true });
    expect(onDoc.mock.calls.map(([type]) => type).sort()).toStrictEqual(
      ['click', 'keydown', 'mousemove', 'pointerdown', 'scroll', 'scroll', 'submit', 'visibilitychange'],
    );
    expect(onWin.mock.calls.map(([type]) => type).sort()).toStrictEqual(['focus', 'pagehide', 'pageshow']);
  });

  it('stop() removes every listener it added', async () => {
    page();
    const added: unknown[][] = [];
    const removed: unknown[][] = [];
    for (const target of [document, window] as EventTarget[]) {
      const add = target.addEventListener.bind(target);
      const remove = target.removeEventListener.bind(target);
      vi.spyOn(target, 'addEventListener').mockImplementation((...args) => {
        added.push([target, ...args]);
        add(...args);
      });
      vi.spyOn(target, 'removeEventListener').mockImplementation((...args) => {
        removed.push([target, ...args]);
        remove(...args);
      });
    }
    const events = start(ALL, window, () => 5000);
    running!.stop();
    expect(removed).toHaveLength(added.length);
    for (const [target, type, listener] of added) {
      expect(removed).toContainEqual([target, type, listener, { capture: true, passive: true }]);
    }
    await everything();
    running!.pageChanged();
    expect(events).toStrictEqual([]);
  });

  it('keeps going when emit throws, and throws nothing into the page', async () => {
    page();
    const seen: string[] = [];
    let clock = 0;
    running = startAutocapture(ALL, (event, properties) => {
      seen.push(event === 'scroll_depth' ? `scroll_depth ${String(properties.percent)}` : event);
      throw new Error('emit failed');
    }, window, () => clock);
    clock = 5000;
    // happy-dom rethrows a listener's exception from dispatchEvent, so a leak would fail here.
    await expect(everything()).resolves.toBeUndefined();
    expect(() => running!.pageChanged()).not.toThrow();
    expect(seen).toStrictEqual([
      'buy',
      'form_submitted',
      'scroll_depth 25',
      'scroll_depth 50',
      'scroll_depth 75',
      'scroll_depth 100',
      'page_engaged',
    ]);
  });

  it('a failing handler does nothing and throws nothing into the page', () => {
    page();
    let calls = 0;
    const failingClock = (): number => {
      if (calls++ > 0) throw new Error('clock failed'); // works for the start only
      return 0;
    };
    const events = start({ clicks: true, engagement: true }, window, failingClock);
    // happy-dom rethrows a listener's exception from dispatchEvent, so a leak would fail here.
    expect(() => document.dispatchEvent(new Event('pointerdown'))).not.toThrow();
    expect(() => window.dispatchEvent(new Event('pagehide'))).not.toThrow();
    expect(() => running!.pageChanged()).not.toThrow();
    expect(calls).toBeGreaterThan(1);
    document.querySelector<HTMLElement>('#buy')!.click(); // the other kinds go on
    expect(events).toStrictEqual([['buy', {}]]);
  });

  it('throws nothing for a window it cannot use, and leaves no half setup behind', () => {
    page();
    const events: Emitted[] = [];
    const add = vi.spyOn(document, 'addEventListener');
    const remove = vi.spyOn(document, 'removeEventListener');
    // `document` works, so clicks and part of engagement start; the window has no
    // addEventListener, so engagement fails halfway.
    const broken = { document, performance } as unknown as Window;
    expect(() => {
      running = startAutocapture({ clicks: true, engagement: true }, (e, p) => events.push([e, p]), broken);
    }).not.toThrow();
    expect(add.mock.calls.length).toBeGreaterThan(1);
    const removed = remove.mock.calls.map(([type, listener]) => [type, listener]);
    expect(removed).toHaveLength(add.mock.calls.length);
    for (const [type, listener] of add.mock.calls) expect(removed).toContainEqual([type, listener]);
    document.querySelector<HTMLElement>('#buy')!.click();
    expect(events).toStrictEqual([]);
    expect(() => running!.pageChanged()).not.toThrow();
    expect(() => running!.stop()).not.toThrow();
    expect(() => startAutocapture(ALL, () => {}, {} as Window).stop()).not.toThrow();
  });

  it('times engagement with performance.now() by default', () => {
    const now = vi.spyOn(performance, 'now').mockReturnValue(1000);
    const events = start({ engagement: true });
    now.mockReturnValue(4500);
    window.dispatchEvent(new Event('pagehide'));
    expect(events).toStrictEqual([['page_engaged', { engaged_ms: 3500 }]]);
  });
});
