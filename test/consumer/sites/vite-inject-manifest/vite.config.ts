import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// injectManifest: the site writes its service worker (src/sw.ts) and imports Homing's SW module
// into it as an ES import; vite-plugin-pwa bundles it and injects the precache list.
export default defineConfig({
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: { globPatterns: ['**/*.{js,html}'] },
    }),
  ],
});
