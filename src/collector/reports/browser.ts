/**
 * The browser family of a user agent, for loss by browser: only the families whose delivery paths
 * differ (Background Sync exists in Chromium only; Safari evicts storage sooner). Order matters:
 * Edge and Chrome on iOS also say "Safari", Edge also says "Chrome".
 */
export type BrowserFamily = 'Chrome' | 'Firefox' | 'Safari' | 'Edge' | 'other';

export function browserFamily(userAgent: string | null): BrowserFamily {
  if (!userAgent) return 'other';
  if (/\bEdg(e|A|iOS)?\//.test(userAgent)) return 'Edge';
  if (/\b(OPR|SamsungBrowser|YaBrowser|Vivaldi)\//.test(userAgent)) return 'other';
  if (/\b(Firefox|FxiOS)\//.test(userAgent)) return 'Firefox';
  if (/\b(Chrome|CriOS|Chromium)\//.test(userAgent)) return 'Chrome';
  if (/\bVersion\/[\d.]+.*\bSafari\//.test(userAgent)) return 'Safari';
  return 'other';
}
