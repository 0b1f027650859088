import { describe, expect, it } from 'vitest';
import { createReportClient, describeFailure, queryString, ReportError } from '../../../src/dashboard/api.js';

describe('dashboard report client', () => {
  it('builds query strings without empty values', () => {
    expect(queryString({ from: 1, to: 2, event: '', tz: 'Europe/Paris', x: null, y: undefined })).toBe('?from=1&to=2&tz=Europe%2FParis');
    expect(queryString({})).toBe('');
  });

  it('says what a failure means to the reader', () => {
    expect(describeFailure(401, { error: 'unauthorized', reason: 'x' })).toBe('This key cannot read reports. Enter a read key (or the admin key).');
    expect(describeFailure(400, { error: 'invalid-range', reason: 'from must be before to' })).toBe('from must be before to');
    expect(describeFailure(503, null)).toBe('The collector could not answer (503). Try again shortly.');
    expect(describeFailure(404, null)).toBe('This collector does not answer this report.');
  });

  it('sends the key as a Bearer header, never in the URL, and turns answers into data or ReportErrors', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, auth: new Headers(init.headers).get('authorization') });
      if (url.startsWith('/bad')) return new Response(JSON.stringify({ error: 'unauthorized', reason: 'no' }), { status: 401 });
      return new Response(JSON.stringify({ ok: true }), { status: 200 });
    }) as typeof fetch;
    let key: string | null = 'rk-1';
    const client = createReportClient(() => key, fakeFetch);
    expect(await client.get('/v1/reports/sessions', { from: 1 })).toEqual({ ok: true });
    expect(seen[0]).toEqual({ url: '/v1/reports/sessions?from=1', auth: 'Bearer rk-1' });
    await expect(client.get('/bad')).rejects.toMatchObject({ name: 'ReportError', status: 401 });
    key = null;
    await expect(client.get('/v1/reports/sessions')).rejects.toBeInstanceOf(ReportError);
    expect(seen).toHaveLength(2);
  });
});
