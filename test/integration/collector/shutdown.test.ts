/**
 * Graceful shutdown of a real collector process: a batch in flight at SIGTERM is either committed
 * and acknowledged, or not acknowledged; never acknowledged and lost.
 */
import { connect } from 'node:net';
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { readRows, startCollector, type Collector } from '../../helpers/collector.js';

let c: Collector | undefined;
afterEach(async () => {
  await c?.dispose();
  c = undefined;
});

function ids(dbPath: string): Set<string> {
  return new Set(readRows(dbPath).map((r) => r.message_id));
}

describe('SIGTERM', () => {
  it('finishes a request whose body is still arriving: it is committed, then answered 200; the process exits 0', async () => {
    c = await startCollector();
    const events = Array.from({ length: 50 }, () => wireEvent());
    const body = JSON.stringify({ batch: events });
    const half = Math.floor(body.length / 2);

    const socket = connect(c.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    socket.write(body.slice(0, half));
    await new Promise((r) => setTimeout(r, 100));

    const exit = c.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // The listening socket is closed: a new client is refused.
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(c!.port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);

    socket.write(body.slice(half));
    await ended;
    expect(await exit).toEqual({ code: 0, signal: null });

    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const receipts = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(receipts.accepted).toHaveLength(50);
    const stored = ids(c.dbPath);
    for (const e of events) expect(stored.has(e.messageId)).toBe(true);
  }, 60_000);

  it('under load: every acknowledged event is stored after exit; what was cut was not acknowledged', async () => {
    c = await startCollector();
    // Keep-alive connections, as SDKs use: requests in flight finish, later ones on the same
    // connections are answered 503 (resend), new connections are refused.
    const agent = new Agent({ keepAlive: true, maxSockets: 6 });
    const acked = new Set<string>();
    const outcomes = { ok: 0, refused: 0, failed: 0 };
    let stop = false;

    const client = async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        const events = Array.from({ length: 100 }, () => wireEvent());
        const body = JSON.stringify({ batch: events });
        const status = await new Promise<number>((resolve) => {
          const req = request(
            { host: '127.0.0.1', port: c!.port, method: 'POST', path: '/v1/batch', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
            (res) => {
              let text = '';
              res.on('data', (d) => (text += d));
              res.on('end', () => {
                if (res.statusCode === 200) for (const id of JSON.parse(text).accepted) acked.add(id);
                resolve(res.statusCode ?? 0);
              });
              res.on('error', () => resolve(-1));
            },
          );
          req.on('error', () => resolve(-1));
          req.end(body);
        });
        if (status === 200) outcomes.ok++;
        else if (status === -1) outcomes.failed++;
        else outcomes.refused++;
        if (status === -1) stop = true; // the server is gone
        if (status !== 200 && status !== -1) expect(status).toBe(503);
      }
    };

    const clients = Array.from({ length: 6 }, client);
    await new Promise((r) => setTimeout(r, 400));
    const exit = c.stop('SIGTERM');
    await Promise.all(clients);
    expect(await exit).toEqual({ code: 0, signal: null });
    agent.destroy();

    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused + outcomes.failed).toBeGreaterThan(0);
    const stored = ids(c.dbPath);
    const lost = [...acked].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
  }, 30_000);
});
