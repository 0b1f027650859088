// A site's own service worker importing Homing's SW module, type-checked strictly.
import { installHoming, type HomingSw } from 'homing/sw';

declare let self: ServiceWorkerGlobalScope;
const sw: HomingSw = installHoming(self, { collector: 'https://collect.example.com', lifecycle: false, priorities: { purchase: 'critical' } });
const { delivered, pending } = await sw.flush();
console.log(delivered + pending);
