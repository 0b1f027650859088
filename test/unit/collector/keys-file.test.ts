import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKeysFile, watchKeysFile, type KeysFileWatch } from '../../../src/collector/keys-file.js';
import { createKeyRing, type KeySpec } from '../../../src/collector/keys.js';

const OLD = 'old-secret-0123456789';
const NEW = 'new-secret-0123456789';
const FIXED: KeySpec = { kind: 'admin', key: 'admin-from-env-0123456789', label: 'env' };

/** A logger that keeps its lines. */
function memoryLog() {
  const lines: Array<{ level: string; obj: unknown; msg?: string }> = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
  const log = { info: at('info'), error: at('error'), warn: at('warn'), debug: at('debug'), fatal: at('fatal'), trace: at('trace'), silent: () => {}, level: 'info', child: () => log };
  return { log, lines };
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let dir: string;
let path: string;
let watch: KeysFileWatch | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'homing-keys-'));
  path = join(dir, 'keys');
  writeFileSync(path, `s2s ${OLD} backend\n`);
});
afterEach(() => {
  watch?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('watchKeysFile', () => {
  it('picks up a rewritten file without a restart, keeping the keys from flags and env', async () => {
    const ring = createKeyRing([FIXED, ...readKeysFile(path)]);
    const { log, lines } = memoryLog();
    watch = watchKeysFile({ path, ring, fixed: [FIXED], log: log as never, pollMs: 60_000 });

    writeFileSync(path, `s2s ${OLD} backend\ns2s ${NEW} backend-2\n`);
    await until(() => ring.find(NEW) !== undefined);
    expect(ring.find(OLD)?.kind).toBe('s2s');

    writeFileSync(path, `s2s ${NEW} backend-2\n`); // the old key is retired
    await until(() => ring.find(OLD) === undefined);
    expect(ring.find(FIXED.key)?.kind).toBe('admin');
    expect(lines.some((l) => l.msg === 'keys reloaded')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(NEW);
  });

  it('sees a file replaced by rename (how secret managers and editors write)', async () => {
    const ring = createKeyRing(readKeysFile(path));
    watch = watchKeysFile({ path, ring, fixed: [], log: memoryLog().log as never, pollMs: 60_000 });
    writeFileSync(join(dir, 'keys.tmp'), `s2s ${NEW}\n`);
    renameSync(join(dir, 'keys.tmp'), path);
    await until(() => ring.find(NEW) !== undefined && ring.find(OLD) === undefined);
  });

  it('also polls, for mounts where watching sees nothing', async () => {
    const ring = createKeyRing(readKeysFile(path));
    watch = watchKeysFile({ path, ring, fixed: [], log: memoryLog().log as never, pollMs: 50 });
    writeFileSync(path, `s2s ${NEW}\n`);
    await until(() => ring.find(NEW) !== undefined);
  });

  it('keeps the previous keys when the new file is broken, and says which line without the key', async () => {
    const ring = createKeyRing(readKeysFile(path));
    const { log, lines } = memoryLog();
    watch = watchKeysFile({ path, ring, fixed: [], log: log as never, pollMs: 60_000 });

    writeFileSync(path, `s2s ${OLD}\ns2s tooshort\n`);
    expect(watch.reload('SIGHUP')).toBe(false);

    expect(ring.find(OLD)?.kind).toBe('s2s');
    const error = lines.find((l) => l.level === 'error');
    expect(error).toMatchObject({ obj: { why: 'SIGHUP', reason: 'line 2: s2s keys must be at least 16 characters' } });
    expect(JSON.stringify(lines)).not.toContain('tooshort');

    rmSync(path);
    expect(watch.reload('SIGHUP')).toBe(false);
    expect(ring.find(OLD)?.kind).toBe('s2s');
  });
});

describe('readKeysFile', () => {
  it('throws a message naming the file and line', () => {
    writeFileSync(path, 'nope x\n');
    expect(() => readKeysFile(path)).toThrow(`keys file ${path}: line 1: unknown kind`);
  });
});
