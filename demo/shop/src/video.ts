/**
 * A short product "video": an animated canvas (a generated clip, so the demo needs no media file).
 * Pressing play tracks `video_started`; the clip runs eight seconds and can be replayed.
 */
import type { Product } from './catalog.js';

const DURATION_MS = 8_000;

export function mountVideo(root: HTMLElement, product: Product, onStart: () => void): void {
  const canvas = root.querySelector('canvas')!;
  const button = root.querySelector<HTMLButtonElement>('button.play')!;
  const ctx = canvas.getContext('2d');
  let started = 0;
  let frame = 0;

  function draw(t: number): void {
    if (!ctx) return;
    const { width: w, height: h } = canvas;
    const p = Math.min(1, t / DURATION_MS);
    // Sky and three layers of hills sliding at different speeds (parallax): a trail at dusk.
    const sky = ctx.createLinearGradient(0, 0, 0, h);
    sky.addColorStop(0, `hsl(${product.hue} 70% ${70 - p * 30}%)`);
    sky.addColorStop(1, `hsl(${(product.hue + 40) % 360} 60% 85%)`);
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = '#fff6c9';
    ctx.beginPath();
    ctx.arc(w * 0.8, h * (0.25 + p * 0.5), h * 0.09, 0, Math.PI * 2);
    ctx.fill();
    for (let layer = 0; layer < 3; layer++) {
      ctx.fillStyle = `hsl(${product.hue} 35% ${45 - layer * 12}%)`;
      ctx.beginPath();
      ctx.moveTo(0, h);
      for (let x = 0; x <= w; x += 8) {
        const phase = (x + t * (0.03 + layer * 0.04)) / (90 - layer * 20);
        ctx.lineTo(x, h * (0.55 + layer * 0.13) + Math.sin(phase) * h * 0.06);
      }
      ctx.lineTo(w, h);
      ctx.fill();
    }
    ctx.fillStyle = 'rgba(0,0,0,.35)';
    ctx.fillRect(0, h - 6, w, 6);
    ctx.fillStyle = '#ffb703';
    ctx.fillRect(0, h - 6, w * p, 6);
    ctx.fillStyle = '#fff';
    ctx.font = `600 ${Math.round(h * 0.08)}px system-ui, sans-serif`;
    ctx.fillText(`${product.name} on the trail`, 14, h * 0.14);
  }

  function tick(now: number): void {
    const t = now - started;
    draw(t);
    if (t < DURATION_MS) frame = requestAnimationFrame(tick);
    else button.hidden = false;
  }

  button.addEventListener('click', () => {
    cancelAnimationFrame(frame);
    button.hidden = true;
    onStart();
    started = performance.now();
    frame = requestAnimationFrame(tick);
  });
  draw(0);
}
