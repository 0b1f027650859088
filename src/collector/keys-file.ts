/**
 * Keeps the key ring in step with the keys file, so keys rotate without a restart: the file is
 * re-read when it changes (a watcher on its directory, which also sees an editor's or a secrets
 * manager's rename-into-place), every `pollMs` if its size, mtime or inode changed (watchers miss
 * changes on some mounts), and on demand (the CLI calls `reload` on SIGHUP).
 *
 * A file that cannot be read or parsed leaves the keys as they were: a half-written file during a
 * rotation must not lock every sender out. The error is logged (with a line number, never a key).
 */
import { readFileSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { parseKeysFile, type KeyRing, type KeySpec } from './keys.js';

export interface KeysFileWatch {
  /** Reads the file now; false (and the old keys kept) when it cannot be used. */
  reload(why: string): boolean;
  close(): void;
}

/** Reads the keys file once; throws with a message fit for the command line. */
export function readKeysFile(path: string): KeySpec[] {
  const parsed = parseKeysFile(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(`keys file ${path}: ${parsed.error}`);
  return parsed.keys;
}

export function watchKeysFile(options: {
  path: string;
  ring: KeyRing;
  /** Keys from flags and the environment, kept whatever the file says. */
  fixed: readonly KeySpec[];
  log: FastifyBaseLogger;
  pollMs: number;
}): KeysFileWatch {
  const { path, ring, fixed, log, pollMs } = options;
  let last = signature(path);
  let debounce: NodeJS.Timeout | undefined;

  function reload(why: string): boolean {
    last = signature(path);
    let keys: KeySpec[];
    try {
      keys = readKeysFile(path);
    } catch (err) {
      log.error({ why, reason: (err as Error).message.replace(/^.*?: /, '') }, 'keys file not reloaded; the previous keys stay in force');
      return false;
    }
    ring.replace([...fixed, ...keys]);
    log.info({ why, write: ring.count('write'), s2s: ring.count('s2s'), admin: ring.count('admin') }, 'keys reloaded');
    return true;
  }

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(path), (_event, name) => {
      if (name !== null && name !== basename(path)) return;
      // An editor writes in several steps: read once they have settled.
      clearTimeout(debounce);
      debounce = setTimeout(() => reload('file changed'), 50);
    });
    watcher.on('error', (err) => log.warn({ err }, 'keys file watcher failed; polling only'));
  } catch (err) {
    log.warn({ err }, 'cannot watch the keys file; polling only');
  }

  const poll = setInterval(() => {
    if (signature(path) !== last) reload('file changed (poll)');
  }, pollMs);
  poll.unref();

  return {
    reload,
    close() {
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
    },
  };
}

function signature(path: string): string {
  let s: Stats;
  try {
    s = statSync(path);
  } catch {
    return 'missing';
  }
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}
