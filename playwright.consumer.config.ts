import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

// The consumer tests (test/consumer): the packed packages installed into fresh projects, four sites
// built with real bundlers, each run in Chromium. The e2e suite's settings (one worker, no retries),
// another folder: they build their own sites from the tarballs instead of using this repository's
// dist/. Each site's journey gets 3 minutes on a busy machine; the install has its own 20.
export default defineConfig({ ...base, testDir: './test/consumer', timeout: 180_000 });
