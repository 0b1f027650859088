/**
 * Turns a call captured on the page into a wire event: the Segment Spec shape plus the context the
 * page sent once (user agent, locale, screen) and what the worker knows (identity, campaign).
 * Pure; `context.homing.seq` is added later, by the outbox, in the transaction that stores it.
 */
import { LIBRARY_NAME, LIBRARY_VERSION } from '../shared/config.js';
import type { CampaignContext, EventType, WireEvent } from '../shared/event.js';
import type { Capture, PageEnvironment } from '../shared/protocol.js';
import { localTimeZone } from './time-zone.js';

export interface Identity {
  anonymousId: string;
  userId?: string;
  /** Consent by purpose, stamped on every event as `context.consent`. */
  consent?: Record<string, boolean>;
}

const CAMPAIGN_PARAMS: Array<[string, keyof CampaignContext]> = [
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'name'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
  ['gclid', 'gclid'],
  ['fbclid', 'fbclid'],
  ['msclkid', 'msclkid'],
];

/** UTM parameters and ad click ids of a query string, named as the Segment Spec's `context.campaign`. */
export function campaignFrom(search: string): CampaignContext | undefined {
  if (!/utm_|clid=/.test(search)) return undefined;
  const params = new URLSearchParams(search);
  const campaign: CampaignContext = {};
  let found = false;
  for (const [param, field] of CAMPAIGN_PARAMS) {
    const value = params.get(param);
    if (value) {
      campaign[field] = value;
      found = true;
    }
  }
  return found ? campaign : undefined;
}

/** `capture` is an event call (`reset` and `consent` calls never reach here). */
export function enrich(capture: Capture & { type: EventType }, identity: Identity, env: PageEnvironment): WireEvent {
  const event: WireEvent = {
    type: capture.type,
    messageId: capture.messageId,
    anonymousId: identity.anonymousId,
    timestamp: new Date(capture.ts).toISOString(),
    context: {
      channel: 'browser',
      library: { name: LIBRARY_NAME, version: LIBRARY_VERSION },
      page: capture.page,
      userAgent: env.userAgent,
      locale: env.locale,
      // The page no longer sends it (time-zone.ts: reading it there was a long task).
      timezone: env.timezone ?? localTimeZone(),
      screen: env.screen,
    },
  };
  if (capture.viewport) event.context.viewport = capture.viewport;
  if (identity.consent) event.context.consent = identity.consent;
  const userId = capture.userId ?? identity.userId;
  if (userId) event.userId = userId;
  if (capture.event !== undefined) event.event = capture.event;
  if (capture.name !== undefined) event.name = capture.name;
  // Track, page and screen calls always carry properties (Segment's Spec); the others never do.
  if (capture.type === 'track' || capture.type === 'page' || capture.type === 'screen') event.properties = capture.properties ?? {};
  if (capture.traits !== undefined) event.traits = capture.traits;
  if (capture.previousId !== undefined) event.previousId = capture.previousId;
  if (capture.groupId !== undefined) event.groupId = capture.groupId;
  const campaign = campaignFrom(capture.page.search);
  if (campaign) event.context.campaign = campaign;
  return event;
}
