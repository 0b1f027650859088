/**
 * Markup → event: `data-track="name"` names the event and every `data-track-*` attribute becomes
 * a property (`data-track-product-id="sku-1"` → `product_id: "sku-1"`), so a site tracks an element
 * without writing code. Shared by clicks and forms.
 */

const PREFIX = 'data-track-';

/**
 * A number only when the conversion loses nothing: no leading zeros (`"02134"` is a zip code, not
 * 2134) and within the safe integer range (a long numeric id would be rounded). Anything else
 * stays the string the markup says.
 */
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** The event name of a `[data-track]` element, or null when it is empty (nothing to track). */
export function trackName(element: Element): string | null {
  const name = element.getAttribute('data-track')?.trim();
  return name ? name : null;
}

/** `data-track-*` attributes as properties. HTML lowercases attribute names, so keys are too. */
export function trackProperties(element: Element): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const { attributes } = element;
  for (let i = 0; i < attributes.length; i++) {
    const { name, value } = attributes[i];
    if (name.length > PREFIX.length && name.startsWith(PREFIX)) {
      properties[propertyName(name.slice(PREFIX.length))] = parseValue(value);
    }
  }
  return properties;
}

/** kebab-case → snake_case, the event property style the collector expects. */
export function propertyName(kebab: string): string {
  return kebab.replace(/-/g, '_');
}

export function parseValue(value: string): string | number | boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (DECIMAL.test(value)) {
    const number = Number(value);
    if (Math.abs(number) <= Number.MAX_SAFE_INTEGER) return number;
  }
  return value;
}
