/**
 * The demo shop's page script: registers the shop's own service worker (which precaches the shell
 * and imports Homing's), routes between the pages, does the shopping and tracks what the code must
 * track itself. Marked buttons (`data-track`) are tracked by Homing's autocapture instead.
 */
import { createCart } from './cart.js';
import { euros, findProduct } from './catalog.js';
import { demoEnv, homing } from './homing-global.js';
import { startPanel } from './panel.js';
import { startRouter, type Route } from './router.js';
import { mountVideo } from './video.js';
import { cartView, checkoutView, homeView, missingView, orderView, productView } from './views.js';

const env = demoEnv(document);
const cart = createCart(localStorage);
const view = document.getElementById('view')!;
const badge = document.getElementById('cart-count')!;

if ('serviceWorker' in navigator) {
  // Scope /shop/: the shop's SW. The page config says `swUrl: false`, so Homing registers none of its own.
  navigator.serviceWorker
    .register(`/shop/sw.js?collector=${encodeURIComponent(env.collector)}`, { scope: '/shop/' })
    .catch((err: unknown) => console.warn('[shop] service worker not registered:', err));
}

function render(route: Route): void {
  switch (route.name) {
    case 'home':
      view.innerHTML = homeView();
      document.title = 'Homing Outfitters: demo shop';
      break;
    case 'product': {
      const product = findProduct(route.id);
      if (!product) {
        view.innerHTML = missingView();
        break;
      }
      view.innerHTML = productView(product);
      document.title = `${product.name} · Homing Outfitters`;
      homing().track('product_viewed', { product_id: product.id, name: product.name, price: product.priceCents / 100, currency: 'EUR' });
      mountVideo(document.getElementById('video')!, product, () =>
        homing().track('video_started', { product_id: product.id, video_id: `clip-${product.id}`, duration_s: 8 }),
      );
      break;
    }
    case 'cart':
      view.innerHTML = cartView(cart);
      document.title = 'Cart · Homing Outfitters';
      break;
    case 'checkout':
      view.innerHTML = checkoutView(cart);
      document.title = 'Checkout · Homing Outfitters';
      break;
    case 'order':
      view.innerHTML = orderView(route.id);
      document.title = 'Thank you · Homing Outfitters';
      break;
    default:
      view.innerHTML = missingView();
  }
}

const go = startRouter(document, render);

const showCount = () => (badge.textContent = String(cart.count()));
cart.onChange(showCount);
showCount();

view.addEventListener('click', (event) => {
  const target = event.target as Element;
  const add = target.closest<HTMLElement>('[data-cart-add]');
  if (add) {
    cart.add(add.dataset.cartAdd!);
    add.textContent = 'Added ✓';
    return;
  }
  const qty = target.closest<HTMLElement>('[data-qty]');
  if (qty) {
    const line = cart.lines().find((l) => l.product.id === qty.dataset.qty);
    cart.setQuantity(qty.dataset.qty!, (line?.quantity ?? 0) + Number(qty.dataset.delta));
    view.innerHTML = cartView(cart);
  }
});

view.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  if (form.id !== 'checkout-form') return;
  event.preventDefault();
  const lines = cart.lines();
  if (lines.length === 0) return;
  const orderId = `ord-${Date.now().toString(36)}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
  homing().track('purchase_completed', {
    order_id: orderId,
    total_value: cart.totalCents() / 100,
    currency: 'EUR',
    items: lines.map(({ product, quantity }) => ({ product_id: product.id, name: product.name, price: product.priceCents / 100, quantity })),
  });
  console.info(`[shop] order ${orderId}: ${euros(cart.totalCents())}`);
  cart.clear();
  go(`/shop/order/${orderId}`);
});

startPanel(document, env);
