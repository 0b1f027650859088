// A bundler site's use of the client, type-checked strictly against the package's declarations.
import { createHoming, type FlushResult, type HomingConfig, type HomingStats } from 'homing';

const config: HomingConfig = { collector: 'https://collect.example.com', swUrl: false, priorities: { purchase: 'critical' } };
const homing = createHoming(config);
homing.track('add_to_cart', { product_id: 'sku-1', quantity: 1 });
homing.page();
homing.identify('user-42', { plan: 'pro' });
homing.onError((code, detail) => console.warn(code, detail));
// null when no service worker answered in time; never a rejection.
const flushed: FlushResult | null = await homing.flush();
const waiting: number = flushed ? flushed.delivered + flushed.pending : -1;
const stats: HomingStats = await homing.stats();
console.log(waiting, stats.captured);
