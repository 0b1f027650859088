/**
 * The one place that decides which browser binary the tests and benchmarks drive:
 * CHROMIUM_PATH, else Debian's /usr/bin/chromium, else Playwright's own download.
 * No browser is an error naming all three, never a skipped test.
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function resolveChromium(): string {
  const tried: string[] = [];
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`CHROMIUM_PATH=${fromEnv} (not found)`);
  } else {
    tried.push('CHROMIUM_PATH (not set)');
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  tried.push('/usr/bin/chromium (not found)');
  let own = '';
  try {
    own = chromium.executablePath();
  } catch {
    own = '';
  }
  if (own && existsSync(own)) return own;
  tried.push(`Playwright's own Chromium${own ? ` at ${own}` : ''} (not installed)`);
  throw new Error(
    `No Chromium found. Tried: ${tried.join('; ')}. ` +
      'Install one (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.',
  );
}
