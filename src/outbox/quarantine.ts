/**
 * Keeps events that failed validation, with the reason, where a developer can look at them
 * (DevTools → Application → IndexedDB → homing → quarantine). They are never delivered.
 */
import type { ValidationCode } from '../shared/errors.js';
import type { WireEvent } from '../shared/event.js';
import { QUARANTINE, type HomingDatabase } from './outbox-db.js';

export type Quarantine = (event: WireEvent, code: ValidationCode, reason: string) => Promise<void>;

export function createQuarantine(getDb: () => Promise<HomingDatabase>, now: () => number): Quarantine {
  return async (event, code, reason) => {
    const db = await getDb();
    await db.put(QUARANTINE, { messageId: String(event.messageId), event, code, reason, at: now() });
  };
}
