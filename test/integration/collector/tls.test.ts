/** HTTPS with --tls-cert/--tls-key on a real collector process, and a certificate swap on SIGHUP. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { readRows, startCollector, type Collector } from '../../helpers/collector.js';

let dir: string;
let c: Collector | undefined;

/** A self-signed certificate for 127.0.0.1 (openssl is part of the machine image). */
function makeCert(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

function https(options: RequestOptions, body?: string): Promise<{ status: number; text: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: c!.port, agent: false, ...options }, (res) => {
      let text = '';
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, fingerprint }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'homing-tls-'));
});
afterAll(async () => {
  await c?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('serves HTTPS that verifies against the certificate, stores events, and swaps the certificate on SIGHUP', async () => {
    const first = makeCert('first');
    const second = makeCert('second');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    c = await startCollector({ dir, args: ['--tls-cert', live.cert, '--tls-key', live.key] });
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const e = wireEvent();
    const res = await https(
      { method: 'POST', path: '/v1/batch', ca: readFileSync(first.cert), headers: { 'content-type': 'application/json' } },
      JSON.stringify({ batch: [e] }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).accepted).toEqual([e.messageId]);
    expect(readRows(c.dbPath, 'message_id = ?', e.messageId)).toHaveLength(1);

    // Plain HTTP on the TLS port gets nowhere.
    await expect(fetch(`http://127.0.0.1:${c.port}/healthz`)).rejects.toThrow();

    const before = res.fingerprint;
    copyFileSync(second.cert, live.cert);
    copyFileSync(second.key, live.key);
    c.proc.kill('SIGHUP');
    await c.waitForOutput(/TLS certificate reloaded/, 5_000);
    const after = await https({ path: '/healthz', ca: readFileSync(second.cert) });
    expect(after.status).toBe(200);
    expect(after.fingerprint).not.toBe(before);
  }, 60_000);
});
