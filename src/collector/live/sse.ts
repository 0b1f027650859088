/**
 * Server-sent events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * Data is one line of JSON, so it never needs splitting across `data:` lines.
 */

export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by EventSource, but it keeps proxies and idle timers from closing the stream. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** How long EventSource waits before reconnecting after the stream ends. */
export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}
