/** Fixtures with known answers, shared by the pure and the SQLite tests. */

/** Sessions with a known drop-off: 5 view, 3 add to cart after viewing, 1 buys after that. */
export const FUNNEL_FIXTURE: [session: string, event: string, ts: number][] = [
  ['s1', 'product_viewed', 1], ['s1', 'add_to_cart', 2], ['s1', 'purchase_completed', 3],
  ['s2', 'product_viewed', 1], ['s2', 'add_to_cart', 5],
  ['s3', 'product_viewed', 1], ['s3', 'product_viewed', 2],
  // Cart before the view: only the view counts.
  ['s4', 'add_to_cart', 1], ['s4', 'product_viewed', 2],
  // A purchase before the view does not count; the cart after it does.
  ['s5', 'purchase_completed', 1], ['s5', 'product_viewed', 2], ['s5', 'add_to_cart', 3],
  ['s6', 'search', 1],
];
export const FUNNEL_STEPS = ['product_viewed', 'add_to_cart', 'purchase_completed'];
