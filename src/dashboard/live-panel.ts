/**
 * The live panel: `GET /v1/live` read with fetch (the key goes in the Authorization header, which
 * EventSource cannot set), newest event first, at most MAX_ROWS kept. A broken stream is retried
 * with a growing pause; a 401 stops it with the reason.
 */
import type { LiveEvent } from '../shared/reports.js';
import { describeFailure, queryString } from './api.js';
import { h } from './dom.js';
import { createSseParser } from './sse-parse.js';

const MAX_ROWS = 100;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface LivePanelElements {
  form: HTMLFormElement;
  /** Submits the form: starts the stream, or restarts it with the filters as they are now. */
  start: HTMLButtonElement;
  stop: HTMLButtonElement;
  status: HTMLElement;
  list: HTMLOListElement;
  event: HTMLInputElement;
  device: HTMLInputElement;
  session: HTMLInputElement;
}

export function createLivePanel(el: LivePanelElements, key: () => string | null): { stop(): void } {
  let controller: AbortController | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;

  const setStatus = (text: string, state: string) => {
    el.status.textContent = text;
    el.status.dataset.state = state;
  };

  function stop(): void {
    controller?.abort();
    controller = null;
    if (retry !== null) clearTimeout(retry);
    retry = null;
    el.start.textContent = 'Start';
    el.stop.disabled = true;
    setStatus('stopped', 'stopped');
  }

  async function start(): Promise<void> {
    stop();
    const k = key();
    if (k === null) return setStatus('enter a read key first', 'error');
    const ac = new AbortController();
    controller = ac;
    el.start.textContent = 'Apply filters';
    el.stop.disabled = false;
    setStatus('connecting…', 'connecting');
    const path = '/v1/live' + queryString({ event: el.event.value.trim(), device: el.device.value.trim(), session: el.session.value.trim() });
    try {
      const res = await fetch(path, { headers: { authorization: `Bearer ${k}`, accept: 'text/event-stream' }, signal: ac.signal, cache: 'no-store' });
      if (!res.ok || !res.body) {
        const body: unknown = await res.json().catch(() => null);
        const message = res.status === 401 ? 'this key cannot read the live view' : describeFailure(res.status, body);
        // Bad filters and bad keys do not heal by retrying.
        if (res.status === 400 || res.status === 401) {
          stop();
          return setStatus(message, 'error');
        }
        throw new Error(message);
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = createSseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parser.push(value)) {
          if (message.event === 'ready') {
            failures = 0;
            setStatus('connected: events appear as the collector receives them', 'live');
          } else if (message.event === 'ingest') add(JSON.parse(message.data) as LiveEvent);
          else if (message.event === 'dropped') notice(`${(JSON.parse(message.data) as { dropped: number }).dropped} events skipped: this page read too slowly`);
        }
      }
      throw new Error('the collector closed the stream');
    } catch (err) {
      if (ac.signal.aborted) return;
      const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)];
      setStatus(`disconnected (${(err as Error).message}); retrying in ${Math.round(wait / 1000)} s`, 'error');
      retry = setTimeout(() => void start(), wait);
    }
  }

  function add(e: LiveEvent): void {
    const name = e.event ?? e.type ?? '(not an event)';
    const why = e.code ? `${e.code}: ${e.reason ?? ''}` : e.flagged ? `flagged: ${e.flagged.join(', ')}` : '';
    const row = h(
      'li',
      { class: `live-row ${e.result}`, 'data-message-id': e.messageId ?? '', 'data-result': e.result, 'data-flagged': e.flagged?.join(',') },
      h('time', { datetime: new Date(e.at).toISOString() }, new Date(e.at).toLocaleTimeString()),
      h('span', { class: `badge ${e.result}` }, e.result),
      h('strong', {}, name),
      h('span', { class: 'meta' }, `${e.channel} · device ${e.anonymousId ?? '–'} · session ${e.sessionId ?? '–'}`),
      why && h('span', { class: e.code ? 'why' : 'why flagged' }, why),
      h('details', {}, h('summary', {}, 'payload'), h('pre', {}, JSON.stringify(e.payload, null, 2) ?? '')),
    );
    el.list.prepend(row);
    while (el.list.children.length > MAX_ROWS) el.list.lastElementChild?.remove();
  }

  function notice(text: string): void {
    el.list.prepend(h('li', { class: 'live-row notice' }, text));
  }

  el.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void start();
  });
  el.stop.addEventListener('click', stop);
  return { stop };
}
