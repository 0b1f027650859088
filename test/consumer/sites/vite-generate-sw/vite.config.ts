import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// generateSW: workbox writes the whole service worker; Homing's classic SW script joins it through
// importScripts, after a one-line script that gives it its options (public/homing-sw-config.js).
export default defineConfig({
  plugins: [
    VitePWA({
      strategies: 'generateSW',
      injectRegister: false,
      manifest: false,
      workbox: {
        importScripts: ['homing-sw-config.js', 'homing-sw.js'],
        globPatterns: ['**/*.{js,html}'],
        navigateFallback: 'index.html',
        skipWaiting: true,
        clientsClaim: true,
      },
    }),
  ],
});
