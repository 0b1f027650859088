/**
 * Reads the report API with the key in the Authorization header. Failures become a ReportError
 * whose message is what the page shows: the collector's reason, or what a status means here.
 */

export class ReportError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ReportError';
    this.status = status;
  }
}

export type Params = Record<string, string | number | null | undefined>;

export interface ReportClient {
  get<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T>;
}

/** The query string of `params`, without empty values. */
export function queryString(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** What a failed answer means to the person looking at the page. */
export function describeFailure(status: number, body: unknown): string {
  const reason = typeof body === 'object' && body !== null && typeof (body as { reason?: unknown }).reason === 'string' ? (body as { reason: string }).reason : null;
  if (status === 401) return 'This key cannot read reports. Enter a read key (or the admin key).';
  if (status === 429) return 'Too many requests with this key; wait a moment and refresh.';
  if (status === 404) return reason ?? 'This collector does not answer this report.';
  if (status >= 500) return `The collector could not answer (${status})${reason ? `: ${reason}` : ''}. Try again shortly.`;
  return reason ?? `The collector answered ${status}.`;
}

export function createReportClient(key: () => string | null, fetchImpl: typeof fetch = fetch.bind(globalThis)): ReportClient {
  return {
    async get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
      const k = key();
      if (k === null) throw new ReportError(401, 'Enter a read key to see the reports.');
      let res: Response;
      try {
        res = await fetchImpl(path + queryString(params), { headers: { authorization: `Bearer ${k}` }, signal, cache: 'no-store' });
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new ReportError(0, `Cannot reach the collector: ${(err as Error).message}`);
      }
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) throw new ReportError(res.status, describeFailure(res.status, body));
      return body as T;
    },
  };
}
