// @vitest-environment happy-dom
// happy-dom: real forms, submit events with a submitter, and URL resolution against the document.
import { afterEach, describe, expect, it } from 'vitest';
import { startAutocapture, type Autocapture } from '../../../src/client/autocapture/index.js';

type Emitted = [string, Record<string, unknown>];
let running: Autocapture | null = null;

function start(): Emitted[] {
  const events: Emitted[] = [];
  running = startAutocapture({ forms: true }, (event, properties) => events.push([event, properties]), window);
  return events;
}

/** What a browser fires after validation; dispatched directly so nothing navigates. */
function submit(form: string, submitter?: string): void {
  const el = document.querySelector(form)!;
  const by = submitter ? document.querySelector<HTMLElement>(submitter) : null;
  el.dispatchEvent(new SubmitEvent('submit', { bubbles: true, cancelable: true, submitter: by }));
}

afterEach(() => {
  running?.stop();
  running = null;
  document.body.innerHTML = '';
});

describe('autocapture forms', () => {
  it('emits form_submitted with id, name, absolute action and lowercased method', () => {
    document.body.innerHTML = '<form id="checkout" name="pay" action="/orders?step=2" method="POST"></form>';
    const events = start();
    submit('#checkout');
    expect(events).toStrictEqual([
      [
        'form_submitted',
        { form_id: 'checkout', form_name: 'pay', form_action: new URL('/orders?step=2', location.href).href, form_method: 'post' },
      ],
    ]);
  });

  it('leaves out what the form does not say', () => {
    document.body.innerHTML = '<form class="bare"></form><form class="empty-id" id=""></form>';
    const events = start();
    submit('form.bare');
    submit('form.empty-id');
    expect(events).toStrictEqual([
      ['form_submitted', {}],
      ['form_submitted', {}],
    ]);
  });

  it('uses the form data-track name and adds its data-track-* properties', () => {
    document.body.innerHTML = '<form id="f" data-track="signup" data-track-plan="pro" data-track-seats="3" method="get"></form>';
    const events = start();
    submit('#f');
    expect(events).toStrictEqual([['signup', { form_id: 'f', form_method: 'get', plan: 'pro', seats: 3 }]]);
  });

  it("takes the submit button's formaction and formmethod over the form's", () => {
    document.body.innerHTML =
      '<form id="f" action="/a" method="get"><button id="alt" formaction="https://pay.example/b" formmethod="post">Pay</button></form>';
    const events = start();
    submit('#f', '#alt');
    expect(events).toStrictEqual([['form_submitted', { form_id: 'f', form_action: 'https://pay.example/b', form_method: 'post' }]]);
  });

  it('never reads what was typed into the fields', () => {
    document.body.innerHTML =
      '<form id="f" action="/s"><input name="email" value="jane@example.com"><input name="action" value="secret-action">' +
      '<input name="id" value="secret-id"><textarea name="name">secret-text</textarea></form>';
    const events = start();
    (document.querySelector('textarea') as HTMLTextAreaElement).value = 'typed-secret';
    submit('#f');
    const sent = JSON.stringify(events);
    expect(events).toHaveLength(1);
    for (const secret of ['jane@example.com', 'secret', 'typed']) expect(sent).not.toContain(secret);
  });

  it('sees a real submit that the page cancels itself (SPA forms)', () => {
    document.body.innerHTML = '<form id="spa"><button id="go">Go</button></form>';
    const cancel = (e: Event): void => e.preventDefault();
    document.addEventListener('submit', cancel);
    const events = start();
    document.querySelector<HTMLButtonElement>('#go')!.click();
    document.removeEventListener('submit', cancel);
    expect(events).toStrictEqual([['form_submitted', { form_id: 'spa' }]]);
  });

  it('emits nothing once stopped', () => {
    document.body.innerHTML = '<form id="f"></form>';
    const events = start();
    running!.stop();
    submit('#f');
    expect(events).toStrictEqual([]);
  });
});
