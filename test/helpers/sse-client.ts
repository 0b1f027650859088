/**
 * A server-sent events reader over a real socket, for the live view's tests: connects, parses the
 * stream into messages (comments kept apart), and waits for the messages a test expects. It can
 * also stop reading (`pause`), to play a client that does not keep up.
 */
import { request, type IncomingMessage } from 'node:http';

export interface SseMessage {
  event: string;
  data: any;
}

export interface SseClient {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body when the answer was not a stream (an error). */
  body(): Promise<string>;
  messages: SseMessage[];
  comments: string[];
  /** Resolves with the first `count` messages (after `from`) that satisfy `match`, once they came. */
  waitFor(match: (m: SseMessage) => boolean, count?: number): Promise<SseMessage[]>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
}

export function openSse(url: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      const streaming = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!streaming) {
          raw += chunk;
          return;
        }
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ event, data: JSON.parse(data.join('\n')) });
        }
        for (const w of waiters) w();
      });
      const ended = new Promise<void>((done) => res.once('close', () => done()));
      const bodyDone = new Promise<string>((done) => res.once('end', () => done(raw)));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: () => bodyDone,
        messages,
        comments,
        ended,
        waitFor(match, count = 1) {
          return new Promise((done, fail) => {
            const check = () => {
              const found = messages.filter(match);
              if (found.length >= count) {
                waiters.delete(check);
                done(found.slice(0, count));
              }
            };
            waiters.add(check);
            void ended.then(() => {
              if (waiters.delete(check)) fail(new Error(`stream ended with ${messages.filter(match).length} of ${count} expected messages`));
            });
            check();
          });
        },
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
