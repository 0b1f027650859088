// @vitest-environment happy-dom
// happy-dom: delegation needs a real DOM (closest, capture-phase dispatch, elements added later).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startAutocapture, type Autocapture } from '../../../src/client/autocapture/index.js';

type Emitted = [string, Record<string, unknown>];
let running: Autocapture | null = null;

function start(): Emitted[] {
  const events: Emitted[] = [];
  running = startAutocapture({ clicks: true }, (event, properties) => events.push([event, properties]), window);
  return events;
}

function click(selector: string): void {
  document.querySelector<HTMLElement>(selector)!.click();
}

afterEach(() => {
  running?.stop();
  running = null;
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

describe('autocapture clicks', () => {
  it('emits the data-track name with the data-track-* properties of the clicked element', () => {
    document.body.innerHTML = '<button id="b" data-track="add_to_cart" data-track-product-id="sku-1" data-track-price="9.5">Add</button>';
    const events = start();
    click('#b');
    expect(events).toStrictEqual([['add_to_cart', { product_id: 'sku-1', price: 9.5 }]]);
  });

  it('counts a click on a nested child as a click on the marked ancestor', () => {
    document.body.innerHTML = '<a data-track="promo" data-track-slot="hero"><div><span id="inner">Go</span></div></a>';
    const events = start();
    click('#inner');
    expect(events).toStrictEqual([['promo', { slot: 'hero' }]]);
  });

  it('emits once, for the innermost marked element, when marked elements nest', () => {
    document.body.innerHTML = '<div data-track="card" data-track-id="1"><button data-track="buy"><i id="icon"></i></button></div>';
    const events = start();
    click('#icon');
    expect(events).toStrictEqual([['buy', {}]]);
  });

  it('ignores clicks outside marked elements and on an empty data-track', () => {
    document.body.innerHTML = '<button id="plain">x</button><button id="empty" data-track="" data-track-a="1">y</button>';
    const events = start();
    click('#plain');
    click('#empty');
    document.body.click();
    expect(events).toStrictEqual([]);
  });

  it('does not treat clicks inside a <form data-track> as that form event, but reaches an outer marked element', () => {
    document.body.innerHTML =
      '<section data-track="signup_block"><form data-track="signup"><input id="field"></form></section>' +
      '<form data-track="other"><input id="lone"></form>';
    const events = start();
    click('#field');
    click('#lone');
    expect(events).toStrictEqual([['signup_block', {}]]);
  });

  it('tracks elements added after start, with one listener on the document', () => {
    const add = vi.spyOn(document, 'addEventListener');
    const events = start();
    document.body.innerHTML = '<button id="late" data-track="late_click">x</button>';
    click('#late');
    expect(events).toStrictEqual([['late_click', {}]]);
    expect(add.mock.calls).toStrictEqual([['click', expect.any(Function), { capture: true, passive: true }]]);
  });

  it('sees clicks whose propagation the page stops', () => {
    document.body.innerHTML = '<button id="b" data-track="stopped">x</button>';
    document.querySelector('#b')!.addEventListener('click', (e) => e.stopPropagation());
    const events = start();
    click('#b');
    expect(events).toStrictEqual([['stopped', {}]]);
  });

  it('emits nothing once stopped', () => {
    document.body.innerHTML = '<button id="b" data-track="x">x</button>';
    const events = start();
    running!.stop();
    click('#b');
    expect(events).toStrictEqual([]);
  });
});
