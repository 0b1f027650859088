// A site that pastes the stub and calls the global, type-checked strictly.
/// <reference types="homing/global" />
homing.track('add_to_cart', { product_id: 'sku-1' });
window.homing.page();
const flushed = await homing.flush();
const stats = await homing.stats();
console.log(flushed ? flushed.delivered + flushed.pending : -1, stats.captured);
export {};
