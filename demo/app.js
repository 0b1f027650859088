// The demo shop's own code: it only ever calls the `homing` global the stub defined.
const homing = window.homing;

document.querySelector('.products').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const productId = button.closest('[data-product]').dataset.product;
  if (button.dataset.action === 'view') homing.track('product_viewed', { product_id: productId });
  else homing.track('add_to_cart', { product_id: productId, quantity: 1 });
});

document.querySelector('#flush').addEventListener('click', async () => {
  const result = await homing.flush();
  document.querySelector('#flushed').textContent = result ? `delivered ${result.delivered}, pending ${result.pending}` : 'no service worker';
});

async function showStats() {
  if (typeof homing.stats !== 'function') return; // still the stub
  const stats = await homing.stats();
  if (!stats) return;
  for (const el of document.querySelectorAll('[data-stat]')) {
    const value = stats[el.dataset.stat];
    el.textContent = typeof value === 'object' ? (Object.keys(value).length ? JSON.stringify(value) : 'none') : String(value);
  }
}
setInterval(showStats, 1000);
