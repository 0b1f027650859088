// @vitest-environment happy-dom
// happy-dom has no layout, so each test sets the three numbers depth is computed from.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAutocapture, type Autocapture } from '../../../src/client/autocapture/index.js';

let running: Autocapture | null = null;
let percents: unknown[] = [];

function start(): void {
  // Any other event name lands in the list as itself, so every comparison below also checks names.
  running = startAutocapture({ scroll: true }, (event, properties) => {
    percents.push(event === 'scroll_depth' ? properties.percent : event);
  }, window);
}

function layout(scrollHeight: number, innerHeight = 1000): void {
  Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, value: scrollHeight });
  Object.defineProperty(window, 'innerHeight', { configurable: true, value: innerHeight });
}

function setScrollY(y: number): void {
  Object.defineProperty(window, 'scrollY', { configurable: true, value: y });
}

const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** The browser scrolls the document, then autocapture measures in the next frame. */
async function scrollTo(y: number): Promise<void> {
  setScrollY(y);
  document.dispatchEvent(new Event('scroll'));
  await frame();
}

beforeEach(() => {
  percents = [];
  layout(10_000);
  setScrollY(0);
});

afterEach(() => {
  running?.stop();
  running = null;
  vi.restoreAllMocks();
});

describe('autocapture scroll depth', () => {
  it('emits each threshold once, when (scrollY + innerHeight) / scrollHeight reaches it', async () => {
    start();
    await scrollTo(1000); // 20 %
    expect(percents).toStrictEqual([]);
    await scrollTo(1500); // 25 %
    expect(percents).toStrictEqual([25]);
    await scrollTo(4000); // 50 %
    await scrollTo(6400); // 74 %
    expect(percents).toStrictEqual([25, 50]);
    await scrollTo(0);
    await scrollTo(6500); // 75 %, and 25/50 again: no repeats
    await scrollTo(9000); // 100 %
    await scrollTo(9000);
    expect(percents).toStrictEqual([25, 50, 75, 100]);
  });

  it('emits every threshold a jump passes, in order', async () => {
    start();
    await scrollTo(9000);
    expect(percents).toStrictEqual([25, 50, 75, 100]);
  });

  it('reaches 100 % when a fractional scroll position stops a pixel short of the bottom', async () => {
    start();
    await scrollTo(8998.5);
    expect(percents).toContain(100);
  });

  it('measures nothing before a scroll event, even when the page is fully in view', async () => {
    layout(600);
    start();
    await frame();
    await frame();
    expect(percents).toStrictEqual([]);
  });

  it('measures at most once per frame, however many scroll events the frame had', async () => {
    const raf = vi.spyOn(window, 'requestAnimationFrame');
    start();
    setScrollY(4000);
    for (let i = 0; i < 5; i++) document.dispatchEvent(new Event('scroll'));
    await frame();
    expect(raf).toHaveBeenCalledTimes(2); // autocapture's one, and the test's own frame()
    expect(percents).toStrictEqual([25, 50]);
  });

  it('ignores scrolling inside an element', async () => {
    document.body.innerHTML = '<div id="pane"></div>';
    start();
    setScrollY(9000);
    document.querySelector('#pane')!.dispatchEvent(new Event('scroll')); // element scroll does not bubble
    await frame();
    expect(percents).toStrictEqual([]);
  });

  it('measures nothing without layout (scrollHeight 0)', async () => {
    layout(0);
    start();
    await scrollTo(500);
    expect(percents).toStrictEqual([]);
  });

  it('throws nothing into the page when measuring fails', () => {
    const raf = vi.spyOn(window, 'requestAnimationFrame').mockReturnValue(1); // the test runs the frame
    Object.defineProperty(document.documentElement, 'scrollHeight', {
      configurable: true,
      get: () => {
        throw new Error('layout failed');
      },
    });
    start();
    document.dispatchEvent(new Event('scroll'));
    const measure = raf.mock.calls[0][0];
    expect(() => measure(0)).not.toThrow();
    expect(percents).toStrictEqual([]);
  });

  it('starts over after pageChanged(), and drops a measure still pending for the previous page', async () => {
    start();
    await scrollTo(4000);
    expect(percents).toStrictEqual([25, 50]);
    setScrollY(9000);
    document.dispatchEvent(new Event('scroll'));
    running!.pageChanged();
    await frame();
    expect(percents).toStrictEqual([25, 50]);
    await scrollTo(1500);
    expect(percents).toStrictEqual([25, 50, 25]);
  });

  it('emits nothing once stopped, not even from a pending frame', async () => {
    start();
    setScrollY(9000);
    document.dispatchEvent(new Event('scroll'));
    running!.stop();
    await frame();
    await scrollTo(9000);
    expect(percents).toStrictEqual([]);
  });
});
