/**
 * The few DOM helpers the panels share: building elements and tables. Text goes in through
 * textContent only, so an event name or a campaign cannot inject markup.
 */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | null | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: #${id} is missing from the page`);
  return el as T;
}

/** A cell: text, or a number shown formatted and kept raw in `data-value` (the e2e test reads it). */
export type Cell = string | { value: number; text: string };

export function table(name: string, headings: readonly string[], rows: readonly Cell[][], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-empty': name }, empty);
  const head = h('tr', {}, ...headings.map((t) => h('th', { scope: 'col' }, t)));
  const body = rows.map((row) =>
    h('tr', {}, ...row.map((cell) => (typeof cell === 'string' ? h('td', {}, cell) : h('td', { class: 'num', 'data-value': cell.value }, cell.text)))),
  );
  return h('div', { class: 'table-wrap' }, h('table', { 'data-table': name }, h('thead', {}, head), h('tbody', {}, ...body)));
}

export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
