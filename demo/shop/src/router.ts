/**
 * History-API routing under /shop/: links marked `data-link` change the URL with pushState (Homing
 * sees each as a page view) and the view re-renders; back and forward re-render too. The server
 * answers every extensionless /shop/ path with the same page, and the service worker does offline.
 */
export const BASE = '/shop/';

export type Route =
  | { name: 'home' }
  | { name: 'product'; id: string }
  | { name: 'cart' }
  | { name: 'checkout' }
  | { name: 'order'; id: string }
  | { name: 'missing' };

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : '';
  const [head, id] = rest.split('/');
  if (head === '' || head === 'index.html') return { name: 'home' };
  if (head === 'product' && id) return { name: 'product', id: decodeURIComponent(id) };
  if (head === 'cart') return { name: 'cart' };
  if (head === 'checkout') return { name: 'checkout' };
  if (head === 'order' && id) return { name: 'order', id: decodeURIComponent(id) };
  return { name: 'missing' };
}

export function startRouter(doc: Document, render: (route: Route) => void): (url: string) => void {
  const go = (url: string) => {
    history.pushState({}, '', url);
    render(parseRoute(location.pathname));
    window.scrollTo(0, 0);
  };
  doc.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest?.('a[data-link]');
    if (!link || !(link instanceof HTMLAnchorElement) || event.defaultPrevented) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // new tab: let the browser
    event.preventDefault();
    go(link.href);
  });
  addEventListener('popstate', () => render(parseRoute(location.pathname)));
  render(parseRoute(location.pathname));
  return go;
}
