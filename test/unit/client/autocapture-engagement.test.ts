// @vitest-environment happy-dom
// happy-dom: visibility and activity events on a real document; time comes from a fake clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAutocapture, type Autocapture } from '../../../src/client/autocapture/index.js';

let running: Autocapture | null = null;
let clock = 0;
let visibility: DocumentVisibilityState = 'visible';
let engaged: unknown[] = [];

function start(): void {
  running = startAutocapture(
    { engagement: true },
    (event, properties) => engaged.push(event === 'page_engaged' ? properties.engaged_ms : event),
    window,
    () => clock,
  );
}

function at(ms: number, fire: () => void): void {
  clock = ms;
  fire();
}

const activity = (type: string) => () => document.dispatchEvent(new Event(type));
const hide = () => {
  visibility = 'hidden';
  document.dispatchEvent(new Event('visibilitychange'));
};
const show = () => {
  visibility = 'visible';
  document.dispatchEvent(new Event('visibilitychange'));
};

beforeEach(() => {
  clock = 0;
  engaged = [];
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
});

afterEach(() => {
  running?.stop();
  running = null;
  delete (document as { visibilityState?: unknown }).visibilityState;
});

describe('autocapture engagement', () => {
  it('emits the visible, active time when the page becomes hidden', () => {
    start();
    at(5000, hide);
    expect(engaged).toStrictEqual([5000]);
  });

  it('stops counting 30 s after the last activity, and resumes on the next', () => {
    start();
    at(20_000, activity('pointerdown')); // active until 50 s
    at(100_000, activity('keydown')); // idle from 50 s to 100 s
    at(110_000, hide);
    expect(engaged).toStrictEqual([60_000]);
  });

  it.each(['pointerdown', 'keydown', 'mousemove', 'scroll'])('counts %s as activity', (type) => {
    start();
    at(29_000, activity(type));
    at(50_000, hide);
    expect(engaged).toStrictEqual([50_000]);
  });

  it('counts the window (or a field) getting focus as activity', () => {
    start();
    at(29_000, () => window.dispatchEvent(new Event('focus')));
    at(50_000, hide);
    expect(engaged).toStrictEqual([50_000]);
  });

  it('counts again after a back/forward cache restore that only fired pagehide and pageshow', () => {
    start();
    at(4000, () => window.dispatchEvent(new Event('pagehide')));
    at(60_000, () => window.dispatchEvent(new Event('pageshow')));
    at(63_000, hide);
    expect(engaged).toStrictEqual([4000, 3000]);
  });

  it('extends activity at most once a second (mousemove storms)', () => {
    start();
    at(500, activity('mousemove')); // within a second of the start: ignored
    at(60_000, hide);
    expect(engaged).toStrictEqual([30_000]);
  });

  it('does not count hidden time, and emits again on the next hide', () => {
    start();
    at(5000, hide);
    at(65_000, show);
    at(70_000, hide);
    expect(engaged).toStrictEqual([5000, 5000]);
  });

  it('keeps under a second for the next hide instead of emitting it', () => {
    start();
    at(600, hide);
    expect(engaged).toStrictEqual([]);
    at(10_000, show);
    at(10_600, hide);
    expect(engaged).toStrictEqual([1200]);
  });

  it('emits on pagehide, and only once when visibilitychange came first', () => {
    start();
    at(4000, () => window.dispatchEvent(new Event('pagehide')));
    expect(engaged).toStrictEqual([4000]);
    running!.stop();

    engaged = [];
    clock = 0;
    start();
    at(3000, hide);
    at(3000, () => window.dispatchEvent(new Event('pagehide')));
    expect(engaged).toStrictEqual([3000]);
  });

  it('counts only after a page that started hidden becomes visible', () => {
    visibility = 'hidden';
    start();
    at(10_000, show);
    at(13_000, hide);
    expect(engaged).toStrictEqual([3000]);
  });

  it('emits the previous page view on pageChanged(), then counts the new one from zero', () => {
    start();
    at(8000, () => running!.pageChanged());
    expect(engaged).toStrictEqual([8000]);
    at(10_000, hide);
    expect(engaged).toStrictEqual([8000, 2000]);
  });

  it('drops under a second of the previous page view on pageChanged()', () => {
    start();
    at(500, () => running!.pageChanged());
    at(1500, hide);
    expect(engaged).toStrictEqual([1000]);
  });

  it('rounds engaged_ms to whole milliseconds', () => {
    clock = 0.25;
    start();
    at(1234.85, hide);
    expect(engaged).toStrictEqual([1235]);
  });

  it('emits nothing once stopped, not even from pageChanged()', () => {
    start();
    running!.stop();
    at(5000, () => running!.pageChanged());
    at(6000, hide);
    at(7000, () => window.dispatchEvent(new Event('pagehide')));
    expect(engaged).toStrictEqual([]);
  });
});
