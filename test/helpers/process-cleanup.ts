/**
 * A vitest setup file (both projects, and test/cross): after each test file, every process the
 * tests started and did not stop is stopped (test/helpers/process.ts), even when a test or hook
 * timed out before reaching its own cleanup.
 */
import { afterAll } from 'vitest';
import { stopAll } from './process.js';

afterAll(stopAll);
