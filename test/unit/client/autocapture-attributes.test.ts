// @vitest-environment happy-dom
// happy-dom: trackProperties/trackName read real attribute lists (HTML lowercases names when parsing).
import { describe, expect, it } from 'vitest';
import { parseValue, propertyName, trackName, trackProperties } from '../../../src/client/autocapture/attributes.js';

function element(html: string): Element {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content.firstElementChild!;
}

describe('autocapture attributes', () => {
  it.each([
    ['product-id', 'product_id'],
    ['plan', 'plan'],
    ['a-b-c', 'a_b_c'],
    ['already_snake', 'already_snake'],
  ])('property name %j → %j', (kebab, snake) => {
    expect(propertyName(kebab)).toBe(snake);
  });

  it.each<[string, string | number | boolean]>([
    ['42', 42],
    ['-3.5', -3.5],
    ['0', 0],
    ['0.25', 0.25],
    ['9007199254740991', 9007199254740991],
    ['true', true],
    ['false', false],
    // stay strings: not a plain decimal, or the number would lose what the string says
    ['sku-1', 'sku-1'],
    ['', ''],
    ['True', 'True'],
    ['FALSE', 'FALSE'],
    ['007', '007'],
    ['02134', '02134'],
    ['12345678901234567890', '12345678901234567890'],
    ['1e3', '1e3'],
    ['+1', '+1'],
    ['.5', '.5'],
    ['1.', '1.'],
    [' 42', ' 42'],
    ['0x1F', '0x1F'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-', '-'],
  ])('value %j → %j', (raw, parsed) => {
    expect(parseValue(raw)).toStrictEqual(parsed);
  });

  it('turns every data-track-* attribute, and only those, into a snake_case property', () => {
    const el = element(
      '<button data-track="add_to_cart" data-track-product-id="sku-1" data-track-Quantity="2" ' +
        'data-track-in-stock="true" data-tracking="no" data-id="no" id="no" class="no">x</button>',
    );
    expect(trackProperties(el)).toStrictEqual({ product_id: 'sku-1', quantity: 2, in_stock: true });
  });

  it('skips a bare data-track- attribute, which names no property', () => {
    const el = element('<a data-track="x" data-track-plan="pro">x</a>');
    el.setAttribute('data-track-', 'nameless');
    expect(trackProperties(el)).toStrictEqual({ plan: 'pro' });
  });

  it.each([
    ['<a data-track="signup">x</a>', 'signup'],
    ['<a data-track="  signup ">x</a>', 'signup'],
    ['<a data-track="">x</a>', null],
    ['<a data-track="   ">x</a>', null],
    ['<a>x</a>', null],
  ])('event name of %s is %j', (html, name) => {
    expect(trackName(element(html))).toBe(name);
  });
});
