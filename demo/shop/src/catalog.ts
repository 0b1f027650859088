/** The shop's products. Prices are in cents, so totals add up exactly. */
export interface Product {
  id: string;
  name: string;
  priceCents: number;
  blurb: string;
  /** Hue of the product's drawn picture (no image files: the demo downloads nothing). */
  hue: number;
  /** Which picture to draw. */
  shape: 'shoe' | 'jacket' | 'torch' | 'pack' | 'bottle' | 'tent';
}

export const CATALOG: readonly Product[] = [
  { id: 'sku-1', name: 'Trail shoes', priceCents: 8900, hue: 14, shape: 'shoe', blurb: 'Grippy soles for wet rock and muddy switchbacks.' },
  { id: 'sku-2', name: 'Rain jacket', priceCents: 12900, hue: 200, shape: 'jacket', blurb: 'Three layers, taped seams, a hood that stays put in the wind.' },
  { id: 'sku-3', name: 'Head torch', priceCents: 3500, hue: 48, shape: 'torch', blurb: '400 lumens, red night mode, a week on one charge.' },
  { id: 'sku-4', name: 'Day pack 22 L', priceCents: 7400, hue: 150, shape: 'pack', blurb: 'Ventilated back, hip belt pockets, room for a lunch and a layer.' },
  { id: 'sku-5', name: 'Steel bottle', priceCents: 2400, hue: 280, shape: 'bottle', blurb: 'Keeps tea hot for twelve hours and water cold for a day.' },
  { id: 'sku-6', name: 'Two-person tent', priceCents: 24900, hue: 100, shape: 'tent', blurb: 'Pitches in three minutes, weighs under two kilos.' },
];

export function findProduct(id: string): Product | undefined {
  return CATALOG.find((p) => p.id === id);
}

/** Cents as euros: `8900` → `€89.00`. */
export function euros(cents: number): string {
  return `€${(cents / 100).toFixed(2)}`;
}
