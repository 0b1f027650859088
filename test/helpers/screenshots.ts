/**
 * Where the e2e tests put the pictures the docs show (docs/dashboard.png, docs/demo.png, …). They
 * are tracked files: a test run writes them only when asked, with `HOMING_UPDATE_SCREENSHOTS=1`;
 * otherwise into test-results/screenshots/ (ignored), so a plain run leaves `git status docs/` clean
 * and the pictures can still be looked at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const UPDATE_SCREENSHOTS = process.env.HOMING_UPDATE_SCREENSHOTS === '1';

/** The path to write the picture `name` (e.g. `dashboard.png`) to; its folder exists. */
export function screenshotPath(name: string): string {
  const dir = UPDATE_SCREENSHOTS ? 'docs' : join('test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
