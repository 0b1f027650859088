/**
 * The cart, kept in localStorage so it survives reloads and offline visits. Listeners hear every
 * change (the header's badge shows the count).
 */
import { findProduct, type Product } from './catalog.js';

const KEY = 'homing-shop-cart';

export interface CartLine {
  product: Product;
  quantity: number;
}

export interface Cart {
  lines(): CartLine[];
  add(productId: string): void;
  setQuantity(productId: string, quantity: number): void;
  clear(): void;
  count(): number;
  totalCents(): number;
  onChange(listener: () => void): void;
}

export function createCart(storage: Storage): Cart {
  const listeners: Array<() => void> = [];

  function read(): Record<string, number> {
    try {
      const value: unknown = JSON.parse(storage.getItem(KEY) ?? '{}');
      return typeof value === 'object' && value !== null ? (value as Record<string, number>) : {};
    } catch {
      return {}; // a damaged entry starts an empty cart rather than breaking the shop
    }
  }

  function write(quantities: Record<string, number>): void {
    storage.setItem(KEY, JSON.stringify(quantities));
    for (const listener of listeners) listener();
  }

  const cart: Cart = {
    lines() {
      return Object.entries(read()).flatMap(([id, quantity]) => {
        const product = findProduct(id);
        return product && quantity > 0 ? [{ product, quantity }] : [];
      });
    },
    add(productId) {
      const quantities = read();
      quantities[productId] = (quantities[productId] ?? 0) + 1;
      write(quantities);
    },
    setQuantity(productId, quantity) {
      const quantities = read();
      if (quantity > 0) quantities[productId] = quantity;
      else delete quantities[productId];
      write(quantities);
    },
    clear() {
      write({});
    },
    count() {
      return cart.lines().reduce((n, line) => n + line.quantity, 0);
    },
    totalCents() {
      return cart.lines().reduce((sum, line) => sum + line.product.priceCents * line.quantity, 0);
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
  return cart;
}
