/**
 * The four pages (product list, product detail, cart, checkout) and the order confirmation, as
 * HTML rendered into `<main>`. Buttons marked `data-track` are tracked by Homing's autocapture,
 * with no code; the shop's own handlers (main.ts) do the shopping.
 */
import { productSvg } from './art.js';
import type { Cart } from './cart.js';
import { CATALOG, euros, type Product } from './catalog.js';

/** The campaign link a newsletter would carry: its UTM parameters become the session's campaign. */
export const CAMPAIGN_URL = '/shop/product/sku-6?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale';

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `data-track` attributes of an add-to-cart button: autocapture turns them into the event's properties. */
function addToCart(product: Product, label: string): string {
  return `<button class="primary" data-cart-add="${product.id}" data-track="add_to_cart" data-track-product-id="${product.id}"
    data-track-price="${product.priceCents / 100}" data-track-currency="EUR" data-track-quantity="1">${label}</button>`;
}

function wishlist(product: Product): string {
  return `<button class="ghost" data-track="add_to_wishlist" data-track-product-id="${product.id}"
    data-track-price="${product.priceCents / 100}"><span>♡ Wishlist</span></button>`;
}

export function homeView(): string {
  const cards = CATALOG.map(
    (p) => `<article class="card">
      <a href="/shop/product/${p.id}" data-link class="pic">${productSvg(p)}</a>
      <h3><a href="/shop/product/${p.id}" data-link>${esc(p.name)}</a></h3>
      <p class="price">${euros(p.priceCents)}</p>
      <div class="actions">${addToCart(p, 'Add to cart')}</div>
    </article>`,
  ).join('');
  return `<section class="hero">
      <div>
        <h1>Gear for the long way home</h1>
        <p>Every click here is tracked off the main thread, kept in IndexedDB and delivered exactly once, even while
          the collector is down. Switch on the outage in the panel and keep shopping.</p>
      </div>
      <a class="campaign" href="${CAMPAIGN_URL}" data-link id="campaign-link">
        <small>From our newsletter</small><strong>Spring sale: tents for two →</strong>
        <span class="muted small">utm_source=newsletter · utm_medium=email · utm_campaign=spring_sale</span></a>
    </section>
    <h2 class="section">All products</h2>
    <section class="grid">${cards}</section>`;
}

export function productView(p: Product): string {
  return `<nav class="crumbs"><a href="/shop/" data-link>Shop</a> / ${esc(p.name)}</nav>
    <section class="detail">
      <div class="pic big">${productSvg(p)}</div>
      <div>
        <h1>${esc(p.name)}</h1>
        <p class="price big">${euros(p.priceCents)}</p>
        <p>${esc(p.blurb)}</p>
        <div class="actions">${addToCart(p, 'Add to cart')} ${wishlist(p)}</div>
        <figure class="video" id="video">
          <canvas width="480" height="270" aria-label="${esc(p.name)} video"></canvas>
          <button class="play" aria-label="Play the video">▶ Play</button>
          <figcaption class="muted small">An 8-second clip (drawn on a canvas). Pressing play tracks <code>video_started</code>.</figcaption>
        </figure>
      </div>
    </section>`;
}

export function cartView(cart: Cart): string {
  const lines = cart.lines();
  if (lines.length === 0) return `<h1>Your cart</h1><p class="muted">Empty for now. <a href="/shop/" data-link>Browse the shop</a>.</p>`;
  const rows = lines
    .map(
      ({ product: p, quantity }) => `<li class="line">
        <a href="/shop/product/${p.id}" data-link class="pic small">${productSvg(p)}</a>
        <span class="name">${esc(p.name)}</span>
        <span class="qty"><button data-qty="${p.id}" data-delta="-1" aria-label="One less">−</button>
          <b>${quantity}</b><button data-qty="${p.id}" data-delta="1" aria-label="One more">+</button></span>
        <span class="price">${euros(p.priceCents * quantity)}</span></li>`,
    )
    .join('');
  return `<h1>Your cart</h1><ul class="lines">${rows}</ul>
    <p class="total">Total <b id="cart-total">${euros(cart.totalCents())}</b></p>
    <p><a class="button primary" href="/shop/checkout" data-link id="to-checkout">Checkout</a></p>`;
}

export function checkoutView(cart: Cart): string {
  if (cart.count() === 0) return `<h1>Checkout</h1><p class="muted">Nothing to pay for. <a href="/shop/" data-link>Browse the shop</a>.</p>`;
  const summary = cart
    .lines()
    .map(({ product: p, quantity }) => `<li>${quantity} × ${esc(p.name)} <span>${euros(p.priceCents * quantity)}</span></li>`)
    .join('');
  // The form's fields are never tracked: purchase_completed carries the order, not the person.
  return `<h1>Checkout</h1>
    <section class="checkout">
      <form id="checkout-form" class="form">
        <label>Name <input name="name" autocomplete="name" value="Ada Walker" required></label>
        <label>E-mail <input name="email" type="email" autocomplete="email" value="ada@example.com" required></label>
        <label>Address <input name="address" autocomplete="street-address" value="1 Ridge Road" required></label>
        <button class="primary" type="submit" id="place-order">Place order · ${euros(cart.totalCents())}</button>
      </form>
      <aside class="summary"><h2>Order</h2><ul>${summary}</ul><p class="total">Total <b>${euros(cart.totalCents())}</b></p></aside>
    </section>`;
}

export function orderView(orderId: string): string {
  return `<section class="done"><h1>Thank you!</h1>
    <p>Order <code id="order-id">${esc(orderId)}</code> is placed. Its <code>purchase_completed</code> event is safe in this
      browser's outbox: if the collector is down, watch the panel; it leaves when the collector is back.</p>
    <p><a href="/shop/" data-link>Keep shopping</a></p></section>`;
}

export function missingView(): string {
  return `<h1>Not found</h1><p><a href="/shop/" data-link>Back to the shop</a></p>`;
}
