#!/usr/bin/env node
/**
 * Renders the shop's app icons (192 and 512 px PNG) with nothing but node:zlib, so the repo needs
 * no image tool and no download: a teal tile with a white "homing" target, drawn inside the
 * central 80 % circle so it also works as a maskable icon. Run it again after changing the design:
 *
 *   node demo/shop/make-icons.mjs
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const TEAL = [13, 115, 119];
const WHITE = [255, 255, 255];
const AMBER = [255, 183, 3];

/** The colour at (x, y) in a unit square (0..1): rings of the target, a dot in its centre. */
function colourAt(x, y) {
  const r = Math.hypot(x - 0.5, y - 0.5);
  if (r < 0.085) return AMBER;
  if (r > 0.16 && r < 0.22) return WHITE;
  if (r > 0.28 && r < 0.33) return WHITE;
  return TEAL;
}

function png(size) {
  // 4×4 supersampling per pixel, so the rings' edges are smooth.
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0];
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const c = colourAt((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
          for (let i = 0; i < 3; i++) sum[i] += c[i];
        }
      }
      for (let i = 0; i < 3; i++) raw[y * (size * 3 + 1) + 1 + x * 3 + i] = Math.round(sum[i] / 16);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** CRC-32 (ISO-HDLC), as PNG chunks need it. */
function crc32(bytes) {
  let c = ~0;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

for (const size of [192, 512]) {
  const file = new URL(`icons/icon-${size}.png`, import.meta.url);
  writeFileSync(file, png(size));
  console.log(`wrote ${file.pathname}`);
}
