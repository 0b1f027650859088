/**
 * The tracking pixel's query string, turned into a wire event. Pure: the route (routes/pixel.ts)
 * does the HTTP part and sends the event down the same path as every other event.
 *
 *     /p.gif?e=email_opened&mid=<id>&uid=<user>&p.campaign=spring&utm_source=newsletter
 *
 * | parameter | meaning |
 * |---|---|
 * | `t` | `track` (default) or `page` |
 * | `e` | event name (track; required) |
 * | `n` | page name (page) |
 * | `mid` | messageId; the same `mid` is stored once |
 * | `aid`, `uid` | anonymousId, userId (at least one, except for a page view) |
 * | `p.<name>` | a property (the value stays a string) |
 * | `url` | the page URL (else the `Referer` header, when the browser sends one) |
 * | `utm_source` … `utm_content` | `context.campaign` |
 * | `c.<purpose>` | consent: `1` granted, `0` denied, into `context.consent` |
 * | `wk` | the site's write key, when the collector requires one |
 *
 * Other parameters are ignored: mail services and link trackers append their own. A parameter
 * given twice is refused, since which value was meant cannot be known.
 *
 * Without `mid` the messageId is derived from the parameters, the stored form of the client's IP,
 * its User-Agent and the minute. A mail client or image proxy that fetches the pixel twice within
 * the same minute is then stored once, but a re-open later is a new event. To count each
 * recipient's mail once, however often it is opened, put a `mid` unique per mail and recipient.
 *
 * A page view with neither `aid` nor `uid` is a plain `<noscript>` pixel: its visitor gets a
 * per-day id derived the same way (`noscriptVisitorId`), the same for one IP, User-Agent and site all
 * day and new the next, like the SDK's cookieless ids. A track event still needs an id.
 */
import { createHash } from 'node:crypto';
import { LIBRARY_VERSION } from '../shared/config.js';

/** 1×1 transparent GIF (GIF89a, 42 bytes). */
export const TRANSPARENT_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export type PixelQuery = Record<string, string | string[] | undefined>;

export interface PixelRequest {
  query: PixelQuery;
  /** Epoch ms. */
  receivedAt: number;
  /** The IP as it will be stored (anonymised unless full IPs are kept), or null. */
  ip: string | null;
  userAgent: string | undefined;
  referer: string | undefined;
  /** Width of the derived-id window (ms). */
  dedupWindowMs: number;
}

export type PixelParse =
  | { ok: true; event: Record<string, unknown>; writeKey: string | undefined }
  | { ok: false; code: string; reason: string };

const UTM: Record<string, string> = {
  utm_source: 'source', utm_medium: 'medium', utm_campaign: 'name', utm_term: 'term', utm_content: 'content',
};

export function parsePixel(req: PixelRequest): PixelParse {
  // Null-prototype maps: a parameter may be called __proto__ or constructor.
  const single: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(req.query)) {
    if (Array.isArray(value)) return reject('duplicate-parameter', `parameter ${key} is given ${value.length} times`);
    if (value !== undefined) single[key] = value;
  }
  const type = single.t ?? 'track';
  if (type !== 'track' && type !== 'page') return reject('invalid-parameter', 't must be track or page');
  if (type === 'track' && !single.e) return reject('missing-parameter', 'e (the event name) is required');
  if (!single.aid && !single.uid && type !== 'page') return reject('missing-parameter', 'aid (anonymousId) or uid (userId) is required');

  const properties: Record<string, string> = Object.create(null);
  const consent: Record<string, boolean> = Object.create(null);
  const campaign: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(single)) {
    if (key.startsWith('p.')) properties[key.slice(2)] = value;
    else if (key.startsWith('c.')) {
      if (value !== '0' && value !== '1') return reject('invalid-parameter', `${key} must be 1 (granted) or 0 (denied)`);
      consent[key.slice(2)] = value === '1';
    } else if (Object.hasOwn(UTM, key)) campaign[UTM[key]] = value;
  }

  let page: Record<string, string> | undefined;
  if (single.url !== undefined) {
    page = pageOf(single.url);
    if (!page) return reject('invalid-parameter', 'url must be an absolute http(s) URL');
  } else if (req.referer !== undefined) {
    page = pageOf(req.referer); // a referrer we cannot read is only missing context
  }

  const context: Record<string, unknown> = {
    channel: 'pixel',
    library: { name: 'homing-pixel', version: LIBRARY_VERSION },
  };
  if (req.userAgent !== undefined) context.userAgent = req.userAgent;
  if (page) context.page = page;
  if (Object.keys(campaign).length > 0) context.campaign = campaign;
  if (Object.keys(consent).length > 0) context.consent = consent;

  const event: Record<string, unknown> = {
    type,
    messageId: single.mid ?? derivedMessageId(single, req),
    timestamp: new Date(req.receivedAt).toISOString(),
    context,
  };
  if (type === 'track') event.event = single.e;
  if (type === 'page' && single.n !== undefined) event.name = single.n;
  if (Object.keys(properties).length > 0) event.properties = properties;
  if (single.aid) event.anonymousId = single.aid;
  if (single.uid) event.userId = single.uid;
  if (!single.aid && !single.uid) event.anonymousId = noscriptVisitorId(req, page ? new URL(page.url).host : '');
  return { ok: true, event, writeKey: single.wk };
}

/**
 * A UUIDv7 (time-ordered, so it inserts as fast as the SDK's ids) whose time field is the start of
 * the window and whose random bits are a SHA-256 of everything that identifies the hit.
 */
export function derivedMessageId(params: Readonly<Record<string, string>>, req: PixelRequest): string {
  const window = Math.floor(req.receivedAt / req.dedupWindowMs) * req.dedupWindowMs;
  const canonical = Object.keys(params)
    .filter((k) => k !== 'wk')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const h = createHash('sha256').update(`${canonical}\n${req.ip ?? ''}\n${req.userAgent ?? ''}\n${window}`).digest('hex');
  const t = window.toString(16).padStart(12, '0');
  const variant = ((parseInt(h[3], 16) & 0x3) | 0x8).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

/**
 * The visitor of a `<noscript>` page view without ids: a SHA-256 of the UTC day, the stored form of
 * the IP, the User-Agent and the site's host, prefixed `day-` like the SDK's cookieless ids. One
 * visitor per day and network and browser: two people behind one address with the same browser are
 * one, and the id cannot follow anyone past midnight.
 */
export function noscriptVisitorId(req: Pick<PixelRequest, 'receivedAt' | 'ip' | 'userAgent'>, host: string): string {
  const day = new Date(req.receivedAt).toISOString().slice(0, 10);
  return `day-${createHash('sha256').update(`${day}\n${req.ip ?? ''}\n${req.userAgent ?? ''}\n${host}`).digest('hex').slice(0, 32)}`;
}

function pageOf(text: string): Record<string, string> | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return { url: url.href, path: url.pathname, search: url.search, title: '', referrer: '' };
}

function reject(code: string, reason: string): PixelParse {
  return { ok: false, code, reason };
}
