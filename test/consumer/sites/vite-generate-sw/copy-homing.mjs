// Before `vite build`: Homing's classic service worker script goes to public/ (it is imported by
// URL from the generated SW), with its options in a script imported just before it.
import { copyFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
copyFileSync(require.resolve('homing/homing-sw.js'), 'public/homing-sw.js');
const options = { collector: process.env.VITE_COLLECTOR, lifecycle: false };
writeFileSync('public/homing-sw-config.js', `self.HOMING_SW = ${JSON.stringify(options)};\n`);
