/**
 * The source tree's layers point one way (issue 16, CONTRIBUTING.md "Source tree"):
 *
 *   shared ← outbox ← capture ← { worker, sw }
 *   shared ← client, collector, dashboard
 *
 * `shared` runs everywhere, `outbox` (keeping and sending events) and `capture` (validation,
 * enrichment, identity, privacy) run in both the dedicated worker and the service worker; the
 * context folders hold entry points and glue, and no context imports another. Every relative
 * import in src/ is read with a regex (static `from '…'`, side-effect `import '…'`, dynamic
 * `import('…')`), resolved to the folder it lands in, and checked against the table below.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** What each top-level folder of src/ may import, besides its own files. */
const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  outbox: ['shared'],
  capture: ['shared', 'outbox'],
  worker: ['shared', 'outbox', 'capture'],
  sw: ['shared', 'outbox', 'capture'],
  client: ['shared'],
  collector: ['shared'],
  dashboard: ['shared'],
};

/**
 * Crossings allowed as exceptions, each with its reason. Listed by `file -> import` exactly, so a
 * new crossing still fails; one that is gone fails too (remove it here). None today.
 */
const KNOWN: readonly string[] = [];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]+)\1/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(m?ts|m?js)$/.test(name) ? [file] : [];
  });
}

interface Crossing {
  file: string;
  spec: string;
  from: string;
  to: string;
}

/** Every import of `text` (the file `file`, relative to src/) that lands in a folder it may not use. */
function crossings(file: string, text: string): Crossing[] {
  const from = file.split('/')[0];
  const found: Crossing[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[2];
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    if (target.startsWith('..')) continue; // outside src/ (scripts/): not a layer
    const to = target.split('/')[0];
    if (to === from) continue;
    if (!(ALLOWED[from] ?? []).includes(to)) found.push({ file, spec, from, to });
  }
  return found;
}

function allCrossings(): Crossing[] {
  return sourceFiles(SRC).flatMap((abs) => {
    const file = path.relative(SRC, abs).split(path.sep).join('/');
    return crossings(file, readFileSync(abs, 'utf8'));
  });
}

const describeCrossing = (c: Crossing) => `${c.file} -> ${c.spec}`;

describe('architecture: one-way layers in src/', () => {
  it('every top-level folder of src/ has a rule', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(path.join(SRC, name)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('no import crosses a layer the wrong way, and no context imports another', () => {
    const all = allCrossings();
    const found = all.map(describeCrossing);
    const offending = all
      .filter((c) => !KNOWN.includes(describeCrossing(c)))
      .map((c) => `src/${c.file}: imports '${c.spec}' (${c.from} may import only itself${ALLOWED[c.from]?.map((f) => `, ${f}`).join('') ?? ''})`);
    expect(offending, offending.join('\n')).toEqual([]);
    const stale = KNOWN.filter((line) => !found.includes(line));
    expect(stale, 'known crossings that are gone; remove them from KNOWN').toEqual([]);
  });

  it('catches a wrong-way import (the rule itself)', () => {
    const text = [
      "import { createDbOpener } from '../outbox/outbox-db.js';",
      "import type { HomingConfig } from '../client/index.js';",
      "const late = () => import('../capture/validate.js');",
      "export * from '../shared/event.js';",
    ].join('\n');
    expect(crossings('worker/main.ts', text)).toEqual([expect.objectContaining({ spec: '../client/index.js', to: 'client' })]);
    expect(crossings('outbox/outbox.ts', text).map((c) => c.to)).toEqual(['client', 'capture']);
    expect(crossings('client/homing.ts', text).map((c) => c.to)).toEqual(['outbox', 'capture']);
    expect(crossings('shared/event.ts', text).map((c) => c.to)).toEqual(['outbox', 'client', 'capture']);
  });
});
