/**
 * Moved to src/capture/identity.ts (issue 16). Kept only for test/helpers/identity.ts, which its
 * owners will point at the new path; nothing in src imports this file.
 */
export type { IdentityStore } from '../capture/identity.js';
