/**
 * Product pictures drawn as inline SVG from a hue and a shape, so the shop ships no image files and
 * works offline from its precache alone.
 */
import type { Product } from './catalog.js';

const SHAPES: Record<Product['shape'], string> = {
  shoe: '<path d="M18 62 L22 40 Q30 38 38 46 L54 50 Q74 52 82 62 L82 70 L18 70 Z" fill="C1"/><path d="M18 66 L82 66 L82 72 L18 72 Z" fill="C2"/><path d="M34 46 L40 52 M42 48 L48 54" stroke="#fff" stroke-width="2"/>',
  jacket: '<path d="M36 22 L50 28 L64 22 L80 34 L74 48 L68 44 L68 80 L32 80 L32 44 L26 48 L20 34 Z" fill="C1"/><path d="M50 28 L50 80" stroke="C2" stroke-width="3"/><circle cx="50" cy="24" r="6" fill="C2"/>',
  torch: '<rect x="22" y="44" width="56" height="10" rx="5" fill="C2"/><rect x="38" y="36" width="24" height="26" rx="6" fill="C1"/><circle cx="50" cy="49" r="7" fill="#fff8d6"/><path d="M57 49 L88 36 L88 62 Z" fill="#fff3b0" opacity=".7"/>',
  pack: '<rect x="28" y="26" width="44" height="54" rx="14" fill="C1"/><rect x="36" y="50" width="28" height="22" rx="6" fill="C2"/><path d="M40 26 Q50 12 60 26" stroke="C2" stroke-width="4" fill="none"/>',
  bottle: '<rect x="38" y="30" width="24" height="50" rx="8" fill="C1"/><rect x="42" y="20" width="16" height="12" rx="3" fill="C2"/><rect x="38" y="46" width="24" height="8" fill="C2" opacity=".6"/>',
  tent: '<path d="M14 76 L50 24 L86 76 Z" fill="C1"/><path d="M50 24 L42 76 L58 76 Z" fill="C2"/><path d="M8 78 L92 78" stroke="C2" stroke-width="3"/>',
};

export function productSvg(product: Product, label = product.name): string {
  const bg = `hsl(${product.hue} 60% 92%)`;
  const main = `hsl(${product.hue} 55% 45%)`;
  const dark = `hsl(${product.hue} 45% 28%)`;
  const shape = SHAPES[product.shape].replaceAll('C1', main).replaceAll('C2', dark);
  return `<svg viewBox="0 0 100 100" role="img" aria-label="${label}"><rect width="100" height="100" fill="${bg}"/>${shape}</svg>`;
}
