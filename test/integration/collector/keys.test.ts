/** Keys of a real collector process: s2s auth, rotation through the keys file without a restart, SIGHUP. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { postJson, startCollector, type Collector } from '../../helpers/collector.js';

const OLD = 's2s-old-0123456789abcdef';
const NEW = 's2s-new-0123456789abcdef';
const ENV_KEY = 's2s-env-0123456789abcdef';

let c: Collector | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await c?.dispose();
  c = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A keys file with `text`, in a temp dir the collector also uses for its database. */
function keysFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'homing-keys-int-'));
  dirs.push(dir);
  const file = join(dir, 'keys');
  writeFileSync(file, text);
  return { dir, file };
}

const s2s = (key: string | null) => postJson(c!.url, '/v1/s2s', { batch: [wireEvent()] }, key === null ? {} : { authorization: `Bearer ${key}` });

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server-to-server keys', () => {
  it('answers 401 without a key or with a wrong one, 200 with a valid one', async () => {
    c = await startCollector({ env: { HOMING_S2S_KEYS: `${ENV_KEY},${OLD}` } });
    expect((await s2s(null)).status).toBe(401);
    expect((await s2s('s2s-wrong-0123456789abcdef')).status).toBe(401);
    expect((await s2s(ENV_KEY)).status).toBe(200);
    expect((await s2s(OLD)).status).toBe(200);
  });

  it('rotates through the keys file without a restart: the new key works at once, the old one stops when removed', async () => {
    const { dir, file } = keysFile(`s2s ${OLD} backend\n`);
    c = await startCollector({ dir, args: ['--keys-file', file], env: { HOMING_S2S_KEYS: ENV_KEY } });
    const pid = c.proc.pid;

    expect((await s2s(OLD)).status).toBe(200);
    expect((await s2s(NEW)).status).toBe(401);

    writeFileSync(file, `s2s ${OLD} backend\ns2s ${NEW} backend-2\n`); // 1. add the new key
    await eventually(async () => (await s2s(NEW)).status === 200);
    expect((await s2s(OLD)).status).toBe(200); // both work during the move

    writeFileSync(file, `s2s ${NEW} backend-2\n`); // 2. retire the old one
    await eventually(async () => (await s2s(OLD)).status === 401);
    expect((await s2s(NEW)).status).toBe(200);
    expect((await s2s(ENV_KEY)).status).toBe(200); // keys from the environment stay
    expect(c.proc.pid).toBe(pid);
    expect(c.proc.exitCode).toBeNull();

    // A broken file keeps the keys in force, and says so (without the key).
    writeFileSync(file, `s2s ${NEW}\ns2s short\n`);
    await c.waitForOutput(/keys file not reloaded/, 10_000);
    expect((await s2s(NEW)).status).toBe(200);
    expect(c.output()).not.toContain(NEW);
  }, 30_000);

  it('re-reads the keys file on SIGHUP', async () => {
    const { dir, file } = keysFile(`s2s ${OLD}\n`);
    c = await startCollector({ dir, args: ['--keys-file', file] });
    c.proc.kill('SIGHUP');
    await c.waitForOutput(/"why":"SIGHUP".*"msg":"keys reloaded"/, 5_000);
    expect((await s2s(OLD)).status).toBe(200);
  });

  it('refuses to start with a broken keys file (exit 2), naming the line', async () => {
    const { dir, file } = keysFile('root abc\n');
    await expect(startCollector({ dir, args: ['--keys-file', file] })).rejects.toThrow(/line 1: unknown kind/);
  });
});
