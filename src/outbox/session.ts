/**
 * Sessions and campaign attribution, as a pure function applied inside the outbox's append
 * transaction, next to the device sequence number. That is the one place every event passes in
 * order whichever tab, worker or hand-off it came from, so all tabs of a device share one session
 * and a `reset()` ends it exactly between the events around it.
 */
import type { CampaignContext } from '../shared/event.js';

export interface SessionState {
  id: string;
  startedAt: number;
  lastAt: number;
  /** Events in the session so far. */
  seq: number;
  firstTouch?: CampaignContext;
  lastTouch?: CampaignContext;
}

export interface SessionRules {
  idleMs: number;
  maxMs: number;
}

/** The session an event at `ts` belongs to, and its place in it. */
export function advanceSession(
  state: SessionState | null,
  ts: number,
  campaign: CampaignContext | undefined,
  rules: SessionRules,
  newId: () => string,
): SessionState {
  // An event older than the last one (a replayed stub call, a late hand-off) joins the session
  // as it is; only time moving forward can end a session.
  const expired = state === null || ts - state.lastAt > rules.idleMs || ts - state.startedAt > rules.maxMs;
  if (expired) {
    return { id: newId(), startedAt: ts, lastAt: ts, seq: 1, firstTouch: campaign, lastTouch: campaign };
  }
  return {
    ...state,
    lastAt: Math.max(state.lastAt, ts),
    seq: state.seq + 1,
    lastTouch: campaign ?? state.lastTouch,
  };
}
